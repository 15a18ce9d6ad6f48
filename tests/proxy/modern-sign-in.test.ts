/**
 * `gatehouse proxy` in authority mode (its own sign-in pages, dev sign-in) in
 * front of an SDK v2 upstream (`createMcpHandler`): the SDK v2 client signs
 * in for real through the proxy (401 → metadata → registration → the
 * authority's pages → the code with its RFC 9207 `iss`) in `auto` mode and
 * pinned to 2026-07-28, settles on 2026-07-28 and calls a tool; the SDK v1
 * client signs in the same way and calls the tool on 2025. `modern.test.ts`
 * covers the wire details (stateless, headers unchanged, -32020) with tokens
 * from an existing issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V2Negotiation } from '../helpers/adapter-kit.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { signInWithSdkV2 } from '../helpers/sdk-v2-sign-in.js';
import { startV2Upstream, type V2Upstream } from '../helpers/v2-mcp-server.js';
import { signIn, startTestProxy, textOf, type TestProxy } from './harness.js';

let upstream: V2Upstream;
let proxy: TestProxy;

beforeAll(async () => {
  upstream = await startV2Upstream();
  proxy = await startTestProxy({ upstream: upstream.url });
});

afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});

describe('gatehouse proxy (authority mode) → an SDK v2 upstream: the official clients sign in and call tools', () => {
  it.each([
    ['auto', 'auto'],
    ['pinned to 2026-07-28', { pin: '2026-07-28' }],
  ] as Array<[string, V2Negotiation]>)('the SDK v2 client (%s) signs in at the proxy, speaks 2026-07-28 statelessly, and calls a tool', async (_name, mode) => {
    const from = upstream.seen.length;
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47671/callback' });
    const client = await signInWithSdkV2(proxy.mcpUrl, provider, 'ada', mode);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(textOf(await client.callTool({ name: 'search', arguments: { q: 'docs' } }))).toBe('search docs for anonymous');
      expect(provider.authorizationUrls).toHaveLength(1);
    } finally {
      await client.close();
    }
    // What reached the upstream came through the proxy's gate: asserted, with no session and no bearer token.
    const posts = upstream.seen.slice(from).filter((seen) => seen.method === 'POST');
    expect(posts.map((seen) => seen.headers['mcp-method'])).toEqual(expect.arrayContaining(['server/discover', 'tools/call']));
    for (const seen of posts) {
      expect([seen.headers['x-gatehouse-subject'], seen.headers['mcp-session-id'], seen.headers.authorization]).toEqual(['ada', undefined, undefined]);
      expect(seen.headers['x-gatehouse-assertion']).toEqual(expect.any(String));
    }
  });

  it('the SDK v1 client still signs in at the proxy and calls the tool (the 2025 stateless fallback)', async () => {
    const from = upstream.seen.length;
    const { client } = await signIn(proxy.mcpUrl, 'bea');
    try {
      expect(textOf(await client.callTool({ name: 'search', arguments: { q: 'v1' } }))).toBe('search v1 for anonymous');
    } finally {
      await client.close();
    }
    const posts = upstream.seen.slice(from).filter((seen) => seen.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.every((seen) => seen.headers['x-gatehouse-subject'] === 'bea' && seen.headers['mcp-method'] === undefined)).toBe(true);
  });
});
