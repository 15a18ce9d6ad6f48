/**
 * Two `gatehouse proxy --upstream` instances (authority mode) on one real
 * redis-server (AOF on), each with its own state directory, one public URL
 * behind a round-robin that sends every request to the other instance in
 * turn, and one server-everything upstream: a session opened through one
 * instance is served by the other for its owner and answered 404 to
 * anyone else, the per-user session cap is counted across both, and a
 * Redis outage is a 503 with `Retry-After` (never a 500), the sessions
 * still there when Redis is back. In resource-server mode the instances
 * sign identity assertions with one key kept in Redis, so the upstream
 * verifies them whichever instance's key set it fetched.
 */
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestIssuer } from '../../src/testing/index.js';
import { describeWithRedis, startRedisServer, type TestRedis } from '../helpers/redis-server.js';
import { startRoundRobin, type RoundRobin } from '../helpers/round-robin.js';
import { expectSessionCap, mcpPost, signIn, startEverythingHttp, startTestProxy, textOf, type EverythingHttp, type SignedIn, type TestProxy } from './harness.js';

const SECRET = 'a-shared-secret-of-more-than-32-characters-proxy';
const TOOLS_LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
const PROTOCOL = { 'mcp-protocol-version': '2025-06-18' };

describeWithRedis('two proxy instances on one Redis behind a round-robin', () => {
  let redis: TestRedis;
  let lb: RoundRobin;
  let everything: EverythingHttp;
  let proxies: TestProxy[] = [];
  let alice: SignedIn;
  let bob: SignedIn;

  beforeAll(async () => {
    redis = await startRedisServer({ aof: true });
    everything = await startEverythingHttp();
    lb = await startRoundRobin([]);
    const layers = { publicUrl: lb.origin, authority: { store: 'redis' as const, redisUrl: redis.url, redisPrefix: 'proxy-e2e:', secret: SECRET } };
    proxies = [await startTestProxy({ upstream: everything.url, maxSessionsPerUser: 3 }, { layers }), await startTestProxy({ upstream: everything.url, maxSessionsPerUser: 3 }, { layers })];
    lb.backends = proxies.map((proxy) => proxy.listening.port);
    alice = await signIn(`${lb.origin}/mcp`, 'alice');
    bob = await signIn(`${lb.origin}/mcp`, 'bob');
  }, 120_000);

  afterAll(async () => {
    await alice?.client.close().catch(() => {});
    await bob?.client.close().catch(() => {});
    for (const proxy of proxies) await proxy.stop();
    await lb?.close();
    await everything?.stop();
    await redis?.close();
  });

  const direct = (i: number) => `http://127.0.0.1:${proxies[i]!.listening.port}/mcp`;
  const sessionOf = (user: SignedIn) => (user.client.transport as StreamableHTTPClientTransport).sessionId!;

  it("serves the SDK client's session through both instances: the upstream session is one, its owner is known to each", async () => {
    for (let i = 0; i < 4; i++) {
      expect(textOf(await alice.client.callTool({ name: 'echo', arguments: { message: `call ${i}` } }))).toContain(`call ${i}`);
    }
    for (const proxy of proxies) expect(lb.log.filter((line) => line.startsWith(`${proxy.listening.port} 200 POST /mcp`)).length).toBeGreaterThan(1);
    for (const i of [0, 1]) {
      const res = await fetch(direct(i), mcpPost(alice.token, TOOLS_LIST, { ...PROTOCOL, 'mcp-session-id': sessionOf(alice) }));
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('echo');
    }
  }, 60_000);

  it("answers another user's use of the session 404 on either instance, as if it did not exist", async () => {
    for (const i of [0, 1]) {
      const res = await fetch(direct(i), mcpPost(bob.token, TOOLS_LIST, { ...PROTOCOL, 'mcp-session-id': sessionOf(alice) }));
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { message: 'Session not found' } });
    }
    // Alice's session is unharmed.
    expect((await alice.client.listTools()).tools.length).toBeGreaterThan(0);
  }, 30_000);

  it('forgets on both a session ended through one', async () => {
    const opened = await fetch(direct(0), mcpPost(alice.token, { ...TOOLS_LIST, id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }));
    const sessionId = opened.headers.get('mcp-session-id')!;
    await opened.arrayBuffer();
    expect([opened.status, typeof sessionId]).toEqual([200, 'string']);
    const ended = await fetch(direct(1), { method: 'DELETE', headers: { authorization: `Bearer ${alice.token}`, 'mcp-session-id': sessionId, ...PROTOCOL } });
    expect(ended.status).toBeLessThan(300);
    const after = await fetch(direct(0), mcpPost(alice.token, TOOLS_LIST, { ...PROTOCOL, 'mcp-session-id': sessionId }));
    expect(after.status).toBe(404);
    await after.arrayBuffer();
  }, 30_000);

  it('counts the per-user session cap across both instances', async () => {
    // Alice's SDK client holds one session; the round-robin spreads the others over both instances.
    await expectSessionCap({ mcpUrl: `${lb.origin}/mcp`, cap: 3, alice: { token: alice.token, held: 1 }, bob: bob.token });
  }, 60_000);

  it('answers a Redis outage 503 with Retry-After (never a 500), and serves the session again when Redis is back', async () => {
    await redis.stop();
    for (const i of [0, 1]) {
      const res = await fetch(direct(i), mcpPost(alice.token, TOOLS_LIST, { ...PROTOCOL, 'mcp-session-id': sessionOf(alice) }));
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      await res.arrayBuffer();
    }
    await redis.start();
    for (const i of [0, 1]) {
      await expect
        .poll(async () => (await fetch(direct(i), mcpPost(alice.token, TOOLS_LIST, { ...PROTOCOL, 'mcp-session-id': sessionOf(alice) }))).status, { timeout: 15_000, interval: 200 })
        .toBe(200);
    }
    expect(textOf(await alice.client.callTool({ name: 'echo', arguments: { message: 'after the outage' } }))).toContain('after the outage');
  }, 60_000);
});

describeWithRedis('two proxy instances in resource-server mode on one Redis', () => {
  it('sign identity assertions with the one key kept in Redis (sealed), and publish the same key set', async () => {
    const redis = await startRedisServer();
    const issuer = await startTestIssuer({ audience: 'urn:gatehouse:several-rs' });
    const everything = await startEverythingHttp();
    const started: TestProxy[] = [];
    try {
      const base = { issuer: issuer.issuer, audience: 'urn:gatehouse:several-rs' };
      const shared = { ...base, authority: { store: 'redis' as const, redisUrl: redis.url, redisPrefix: 'rs:', secret: SECRET } };
      for (const layers of [shared, shared, { ...base, authority: { store: 'file' as const } }]) started.push(await startTestProxy({ upstream: everything.url }, { layers }));
      const [a, b, alone] = started.map((proxy) => proxy.front.assertionJwks);
      expect(a!.keys).toHaveLength(1);
      expect(b).toEqual(a);
      // The control: an instance with a state directory of its own has a key of its own.
      expect(alone!.keys[0]!.kid).not.toBe(a!.keys[0]!.kid);
    } finally {
      for (const proxy of started) await proxy.stop();
      await everything.stop();
      await issuer.close();
      await redis.close();
    }
  }, 60_000);
});

describeWithRedis('the MCP refusal limit of two proxy instances in resource-server mode on one Redis', () => {
  it('counts the bad tokens of one address sent to A against B, and answers 503 (never a pass, never a 500) while Redis is down', async () => {
    const redis = await startRedisServer();
    const issuer = await startTestIssuer({ audience: 'urn:gatehouse:refusals' });
    const everything = await startEverythingHttp();
    const started: TestProxy[] = [];
    try {
      const layers = {
        issuer: issuer.issuer, audience: 'urn:gatehouse:refusals', mcpRefusalLimit: { burst: 2, refillSec: 600 },
        authority: { store: 'redis' as const, redisUrl: redis.url, redisPrefix: 'refusals:', secret: SECRET },
      };
      for (let i = 0; i < 2; i++) started.push(await startTestProxy({ upstream: everything.url }, { layers }));
      const [a, b] = started.map((proxy) => `http://127.0.0.1:${proxy.listening.port}/mcp`);
      const badToken = async (url: string) => {
        const res = await fetch(url, mcpPost('not-a-valid-token', TOOLS_LIST, PROTOCOL));
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
      };
      for (let i = 0; i < 2; i++) expect((await badToken(a!)).status).toBe(401);
      const limited = await badToken(b!);
      expect(limited.status).toBe(429);
      expect(Number(limited.retryAfter)).toBeGreaterThan(500);
      expect(limited.body).toContain('Too many requests with invalid tokens');
      expect((await badToken(a!)).status).toBe(429);
      // A valid token is never counted nor refused here.
      const ok = await fetch(b!, mcpPost(await issuer.mint({ sub: 'alice', scope: 'mcp:tools' }), { ...TOOLS_LIST, id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }, PROTOCOL));
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();

      await redis.stop();
      try {
        for (const url of [a!, b!]) {
          const down = await badToken(url);
          expect(down.status).toBe(503);
          expect(down.retryAfter).toBe('5');
        }
      } finally {
        await redis.start();
      }
    } finally {
      for (const proxy of started) await proxy.stop();
      await everything.stop();
      await issuer.close();
      await redis.close();
    }
  }, 60_000);
});
