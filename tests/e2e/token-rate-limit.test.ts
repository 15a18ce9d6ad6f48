/**
 * The token endpoint's rate limit over real HTTP: past the burst a caller
 * gets 429 with Retry-After and an OAuth error body, before oidc-provider
 * works on the request; each refusal is a `ratelimit.hit` audit event; and
 * a confidential client authenticating with HTTP Basic has a bucket of its
 * own, apart from the address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthorityDemo, type AuthorityDemo } from '../../src/cli/demo-authority.js';
import { DEMO_DEFAULTS } from '../../src/cli/demo.js';
import { mergeConfig } from '../../src/config/merge.js';
import type { AuditEvent } from '../../src/telemetry/types.js';
import { tempStateDir } from './authority-harness.js';

describe('the token endpoint rate limit', () => {
  const state = tempStateDir();
  const audited: AuditEvent[] = [];
  let demo: AuthorityDemo;
  let tokenUrl: string;

  beforeAll(async () => {
    const layers = mergeConfig(DEMO_DEFAULTS, { authority: { stateDir: state.path, tokenRateLimit: { burst: 3, refillSec: 600 } } });
    demo = await startAuthorityDemo(layers, 'localhost', 0, { out: () => {}, err: () => {} }, { onAudit: (e) => void audited.push(e) });
    tokenUrl = `${new URL(demo.mcpUrl).origin}/oauth/token`;
  });

  afterAll(async () => {
    await demo?.close();
    state.remove();
  });

  const badGrant = (headers: Record<string, string> = {}) =>
    fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'guess-0123456789', client_id: 'nobody', redirect_uri: 'http://127.0.0.1/cb', code_verifier: 'x'.repeat(43) }),
    });

  it('answers 429 with Retry-After and a JSON error past the burst, and audits it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await badGrant()).status);
    expect(statuses.every((s) => s === 400 || s === 401)).toBe(true);
    const limited = await badGrant();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('access-control-allow-origin')).toBe('*');
    expect(await limited.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringContaining('Too many token requests') });
    expect(audited.filter((e) => e.event === 'ratelimit.hit')).toEqual([expect.objectContaining({ limit: 'token', status: 429, address: expect.any(String) })]);
    // No secret of the request in the event.
    expect(JSON.stringify(audited)).not.toContain('guess-0123456789');
  });

  it('gives a client authenticating with HTTP Basic its own bucket, apart from its address', async () => {
    const basic = `Basic ${Buffer.from('confidential-app:its-secret').toString('base64')}`;
    const own = await badGrant({ authorization: basic });
    expect(own.status).not.toBe(429);
    expect(JSON.stringify(audited)).not.toContain('its-secret');
  });
});
