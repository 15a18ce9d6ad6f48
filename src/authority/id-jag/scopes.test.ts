import { describe, expect, it } from 'vitest';
import { decideIdJagScopes } from './scopes.js';

const ask = (allowed: string[], granted: string[] | undefined, asked: string[] = []) => decideIdJagScopes({ clientId: 'agent', allowed, granted, asked });

describe('the scopes of a token issued for an ID-JAG', () => {
  it('without a requested scope: what the ID-JAG grants, narrowed to what the client may get', () => {
    expect(ask(['mcp:tools'], ['mcp:tools', 'mcp:admin'])).toEqual({ ok: true, scopes: ['mcp:tools'] });
    expect(ask(['mcp:tools', 'mcp:admin'], ['mcp:admin'])).toEqual({ ok: true, scopes: ['mcp:admin'] });
    expect(ask(['mcp:tools', 'files:read'], ['mcp:tools', 'mcp:tools', 'files:read'])).toEqual({ ok: true, scopes: ['mcp:tools', 'files:read'] });
  });

  it('an ID-JAG with no scope claim: what the client may get', () => {
    expect(ask(['mcp:tools', 'files:read'], undefined)).toEqual({ ok: true, scopes: ['mcp:tools', 'files:read'] });
  });

  it('none of the granted scopes allowed: invalid_scope naming both sides', () => {
    expect(ask(['mcp:tools'], ['mcp:admin'])).toEqual({ ok: false, description: `none of the ID-JAG's scopes (mcp:admin) is allowed for this client (client "agent" may get: mcp:tools)` });
    expect(ask(['mcp:tools'], [])).toEqual({ ok: false, description: `none of the ID-JAG's scopes (none) is allowed for this client (client "agent" may get: mcp:tools)` });
    expect(ask([], undefined)).toEqual({ ok: false, description: `none of the ID-JAG's scopes (none) is allowed for this client (client "agent" may get: nothing)` });
  });

  it('a requested scope: exactly it, when the ID-JAG grants it and the client may get it', () => {
    expect(ask(['mcp:tools', 'files:read'], ['mcp:tools', 'files:read'], ['files:read'])).toEqual({ ok: true, scopes: ['files:read'] });
    expect(ask(['mcp:tools'], undefined, ['mcp:tools', 'mcp:tools'])).toEqual({ ok: true, scopes: ['mcp:tools'] });
  });

  it('a requested scope beyond the ID-JAG: refused, never widened', () => {
    expect(ask(['mcp:tools', 'mcp:admin'], ['mcp:tools'], ['mcp:admin'])).toEqual({ ok: false, description: 'scope mcp:admin is beyond what the ID-JAG grants (mcp:tools)' });
    expect(ask(['mcp:tools'], [], ['mcp:tools'])).toEqual({ ok: false, description: 'scope mcp:tools is beyond what the ID-JAG grants (nothing)' });
  });

  it('a requested scope beyond the client: refused, even with no scope claim in the ID-JAG', () => {
    expect(ask(['mcp:tools'], ['mcp:tools', 'mcp:admin'], ['mcp:tools', 'mcp:admin'])).toEqual({ ok: false, description: 'scope mcp:admin is not allowed for this client (client "agent" may get: mcp:tools)' });
    expect(ask(['mcp:tools'], undefined, ['mcp:admin'])).toEqual({ ok: false, description: 'scope mcp:admin is not allowed for this client (client "agent" may get: mcp:tools)' });
  });
});
