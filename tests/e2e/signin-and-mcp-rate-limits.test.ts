/**
 * The rate limits on sign-in and on the MCP endpoint's refusals, over real
 * HTTP against the authority demo, both counted in the BucketStore (the
 * one a Redis store shares between instances):
 * - a caller (keyed by address, an IPv6 /64 as one) that keeps presenting
 *   bad tokens gets 429 with Retry-After and a JSON-RPC error past the
 *   burst, while a caller with a valid token behind the same egress
 *   keeps working, and callers without any token still get the 401
 *   challenge (every client's first step);
 * - sign-in attempts on one account past `signInRateLimit.accountBurst` get
 *   the sign-in page with 429 and Retry-After, as a `ratelimit.hit` event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthorityDemo, type AuthorityDemo } from '../../src/cli/demo-authority.js';
import { DEMO_DEFAULTS } from '../../src/cli/demo.js';
import { mergeConfig } from '../../src/config/merge.js';
import type { AuditEvent } from '../../src/telemetry/types.js';
import { HeadlessLoginError } from '../helpers/headless-login.js';
import { signInForTokens, tempStateDir } from './authority-harness.js';

const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'limits-test', version: '1' } } };

describe('rate limits on sign-in and on MCP refusals', () => {
  const state = tempStateDir();
  const audited: AuditEvent[] = [];
  let demo: AuthorityDemo;
  let origin: string;
  let goodToken: string;

  beforeAll(async () => {
    const layers = mergeConfig(DEMO_DEFAULTS, {
      trustProxy: true,
      mcpRefusalLimit: { burst: 3, refillSec: 600 },
      authority: { stateDir: state.path, signInRateLimit: { accountBurst: 2, accountRefillSec: 600 } },
    });
    demo = await startAuthorityDemo(layers, 'localhost', 0, { out: () => {}, err: () => {} }, { onAudit: (e) => void audited.push(e) });
    origin = new URL(demo.mcpUrl).origin;
    goodToken = String((await signInForTokens(origin, { login: 'alice', scope: 'mcp' })).access_token);
  });

  afterAll(async () => {
    await demo?.close();
    state.remove();
  });

  const mcp = (from: string, token?: string) =>
    fetch(demo.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-forwarded-for': from,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(INITIALIZE),
    });

  it('answers a caller that keeps sending bad tokens 429 past the burst, while a valid token from the same address keeps working', async () => {
    // Three addresses of one IPv6 /64: one caller, rotating inside its block.
    const sameBlock = ['2001:db8:5:6::1', '2001:db8:5:6::2', '2001:db8:5:6:ffff::3'];
    for (const from of sameBlock) {
      const refused = await mcp(from, 'not-a-valid-token');
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/invalid_token/);
      await refused.body?.cancel();
    }
    const limited = await mcp('2001:db8:5:6::9', 'not-a-valid-token');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('access-control-allow-origin')).toBe('*');
    expect(limited.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i);
    expect(await limited.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32000, message: expect.stringContaining('Too many requests with invalid tokens') } });

    // The shared egress: a valid token from inside the same /64 gets through, again and again.
    for (let i = 0; i < 3; i++) {
      const ok = await mcp('2001:db8:5:6::1', goodToken);
      expect(ok.status).toBe(200);
      await ok.body?.cancel();
    }
    // No token at all is the discovery step, not an attack: still the 401 challenge.
    const discovery = await mcp('2001:db8:5:6::1');
    expect(discovery.status).toBe(401);
    expect(discovery.headers.get('www-authenticate')).toMatch(/resource_metadata=/);
    // Another /64 has its own bucket.
    const other = await mcp('2001:db8:5:7::1', 'not-a-valid-token');
    expect(other.status).toBe(401);

    const hits = audited.filter((e) => e.event === 'ratelimit.hit' && e.limit === 'mcp');
    expect(hits).toEqual([expect.objectContaining({ limit: 'mcp', status: 429, address: '2001:db8:5:6::9' })]);
    expect(JSON.stringify(audited)).not.toContain(goodToken);
  });

  it('answers sign-ins on one account past its burst with the page, 429 and Retry-After, and audits the hit', async () => {
    // alice signed in once in beforeAll; the account's burst is 2.
    await signInForTokens(origin, { login: 'alice', scope: 'mcp' });
    const answers: { status: number; retryAfter: string | null; html: string }[] = [];
    const recording = async (url: URL, init: RequestInit) => {
      const response = await fetch(url, init);
      if (response.status === 429) answers.push({ status: 429, retryAfter: response.headers.get('retry-after'), html: await response.clone().text() });
      return response;
    };
    const err = await signInForTokens(origin, { login: 'alice', scope: 'mcp', fetch: recording }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeadlessLoginError);
    expect((err as HeadlessLoginError).status).toBe(429);
    expect(answers).toHaveLength(1);
    expect(Number(answers[0]!.retryAfter)).toBeGreaterThan(0);
    expect(answers[0]!.html).toMatch(/Too many sign-in attempts: this one was not checked\. Wait \d+ minutes?, then try again\./);
    expect(audited.filter((e) => e.event === 'ratelimit.hit' && e.limit === 'signin')).toHaveLength(1);
    // Another account is not held back by alice's bucket.
    await expect(signInForTokens(origin, { login: 'bob', scope: 'mcp' })).resolves.toHaveProperty('access_token');
  });
});
