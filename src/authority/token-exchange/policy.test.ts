import { describe, expect, it } from 'vitest';
import { decideExchange } from './policy.js';

const policies = [
  { client: 'mcp-server', audiences: ['https://api.local', 'https://files.local'], scopes: ['orders:read', 'orders:write'] },
  { client: 'mcp-server', audiences: ['https://files.local'], scopes: ['files:read'] },
  { client: 'down-only', audiences: ['https://api.local'] },
];
const ask = (more: Partial<Parameters<typeof decideExchange>[1]>) => ({ clientId: 'mcp-server', targets: ['https://api.local'], scopes: [], subjectScopes: ['mcp:tools'], ...more });

describe('decideExchange', () => {
  it('grants the requested scopes within the policy, or every allowed one when none are asked', () => {
    expect(decideExchange(policies, ask({ scopes: ['orders:read'] }))).toEqual({ ok: true, audience: 'https://api.local', scopes: ['orders:read'] });
    expect(decideExchange(policies, ask({}))).toEqual({ ok: true, audience: 'https://api.local', scopes: ['orders:read', 'orders:write'] });
  });

  it('adds up the policies of one client that name the same audience', () => {
    expect(decideExchange(policies, ask({ targets: ['https://files.local'], scopes: ['files:read', 'orders:read'] })).ok).toBe(true);
    expect(decideExchange(policies, ask({ scopes: ['files:read'] }))).toMatchObject({ ok: false, error: 'invalid_scope' });
  });

  it('without scopes in the policy, caps at the subject token\'s scopes', () => {
    expect(decideExchange(policies, ask({ clientId: 'down-only', scopes: ['mcp:tools'] }))).toMatchObject({ ok: true, scopes: ['mcp:tools'] });
    expect(decideExchange(policies, ask({ clientId: 'down-only', scopes: ['orders:read'] }))).toMatchObject({ ok: false, error: 'invalid_scope' });
  });

  it('refuses unknown clients, missing, several or unlisted targets', () => {
    expect(decideExchange(policies, ask({ clientId: 'other' }))).toMatchObject({ ok: false, error: 'unauthorized_client' });
    expect(decideExchange(policies, ask({ targets: [] }))).toMatchObject({ ok: false, error: 'invalid_request' });
    expect(decideExchange(policies, ask({ targets: ['https://api.local', 'https://files.local'] }))).toMatchObject({ ok: false, error: 'invalid_target' });
    expect(decideExchange(policies, ask({ targets: ['https://api.local', 'https://api.local'] })).ok).toBe(true);
    expect(decideExchange(policies, ask({ targets: ['https://payroll.local'] }))).toMatchObject({ ok: false, error: 'invalid_target' });
  });
});
