/**
 * Two `gatehouse demo` processes on one real redis-server (AOF on), each
 * with its own state directory, one PUBLIC_URL, behind a round-robin that
 * sends every request to the other instance in turn: the official SDK
 * client signs in across both, tokens of one are accepted by the other, a
 * key rotated on one is trusted by both, a revocation on one is refused by
 * the other within a second, both restart without signing anyone out, and
 * Redis stopping is a clear 503 (never a 500) with nothing lost when it
 * comes back.
 */
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { gatehouseProcess, runGatehouse, type GatehouseProcess } from '../helpers/gatehouse-process.js';
import { describeWithRedis, startRedisServer, type TestRedis } from '../helpers/redis-server.js';
import { startRoundRobin, type RoundRobin } from '../helpers/round-robin.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJson, signInForTokens, signInWithSdk, tempStateDir } from './authority-harness.js';

const REDIS_PASSWORD = 'r3dis-pa55-several-instances';
const SECRET = 'a-shared-secret-of-more-than-32-characters-0123';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const TOOLS_LIST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });

/** One MCP request straight to one instance, bypassing the round-robin. */
async function mcpStatus(port: number, token: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: TOOLS_LIST,
  });
  await res.arrayBuffer();
  return res.status;
}

function kidOf(jwt: string): string {
  return (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
}

describeWithRedis('two instances on one Redis behind a round-robin', () => {
  const states = [tempStateDir(), tempStateDir()];
  let redis: TestRedis;
  let lb: RoundRobin;
  let instances: GatehouseProcess[];
  let env: Record<string, string>;
  const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47700/callback' });
  let mcpUrl: string;

  beforeAll(async () => {
    redis = await startRedisServer({ aof: true, password: REDIS_PASSWORD });
    const ports = [await freePort(), await freePort()];
    lb = await startRoundRobin(ports);
    mcpUrl = `${lb.origin}/mcp`;
    env = { PUBLIC_URL: lb.origin, GATEHOUSE_STORE: 'redis', GATEHOUSE_REDIS_URL: redis.url, GATEHOUSE_REDIS_PREFIX: 'e2e:', GATEHOUSE_SECRET: SECRET };
    instances = ports.map((port, i) => gatehouseProcess(port, { ...env, GATEHOUSE_STATE_DIR: states[i]!.path }));
    await Promise.all(instances.map((instance) => instance.start()));
  }, 120_000);

  afterAll(async () => {
    await Promise.all((instances ?? []).map((instance) => instance.stop()));
    await lb?.close();
    await redis?.close();
    for (const state of states) state.remove();
  });

  const port = (i: number) => instances[i]!.port;

  it('signs in with the SDK across both instances, and each accepts the tokens the other issued', async () => {
    const client = await signInWithSdk(mcpUrl, provider, 'ada');
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'ada' });
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'ada' });
    await client.close();
    // The sign-in itself alternated: both instances served authority endpoints and MCP requests.
    for (const i of [0, 1]) {
      expect(lb.log.some((line) => line.startsWith(`${port(i)} `) && / \/oauth\//.test(line))).toBe(true);
      expect(lb.log.some((line) => line.startsWith(`${port(i)} 200 POST /mcp`))).toBe(true);
    }
    const token = provider.tokens()!.access_token;
    expect(await mcpStatus(port(0), token)).toBe(200);
    expect(await mcpStatus(port(1), token)).toBe(200);
  }, 60_000);

  it('uses a key rotated on one instance on both within seconds, and each trusts what the other signs with it', async () => {
    const rotated = await runGatehouse(['keys', 'rotate', '--json'], { ...env, GATEHOUSE_STATE_DIR: states[0]!.path });
    expect(rotated.code).toBe(0);
    const added = (JSON.parse(rotated.stdout) as { added: { kid: string }[] }).added.map((k) => k.kid);
    expect(added.length).toBeGreaterThan(0);
    for (const i of [0, 1]) {
      await expect
        .poll(async () => {
          const jwks = (await (await fetch(`http://127.0.0.1:${port(i)}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
          return added.every((kid) => jwks.keys.some((k) => k.kid === kid));
        }, { timeout: 10_000, interval: 200 })
        .toBe(true);
    }
    // Both now sign with the new key: a refresh on either gives a token under it, accepted by the other.
    for (const i of [0, 1]) {
      const res = await fetch(`http://127.0.0.1:${port(i)}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: provider.tokens()!.refresh_token!, client_id: provider.clientInformation()!.client_id }),
      });
      expect(res.status).toBe(200);
      const tokens = (await res.json()) as { access_token: string; refresh_token: string; token_type: string };
      provider.saveTokens(tokens);
      expect(added).toContain(kidOf(tokens.access_token));
      expect(await mcpStatus(port(1 - i), tokens.access_token)).toBe(200);
    }
  }, 60_000);

  it('refuses on one instance, within a second, a grant revoked on the other', async () => {
    const bob = (await signInForTokens(lb.origin, { login: 'bob', scope: 'mcp:tools' })) as { access_token: string; refresh_token: string; client_id: string };
    // The second instance has just seen the grant alive, so it would trust it for seconds without the revocation channel.
    expect(await mcpStatus(port(1), bob.access_token)).toBe(200);
    const revoked = await fetch(`http://127.0.0.1:${port(0)}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: bob.refresh_token, token_type_hint: 'refresh_token', client_id: bob.client_id }),
    });
    expect(revoked.status).toBe(200);
    const at = Date.now();
    await expect.poll(() => mcpStatus(port(1), bob.access_token), { timeout: 1000, interval: 25 }).toBe(401);
    expect(Date.now() - at).toBeLessThan(1000);
    expect(await mcpStatus(port(0), bob.access_token)).toBe(401);
  }, 60_000);

  it('restarts both instances without signing anybody out', async () => {
    const signIns = provider.authorizationUrls.length;
    await Promise.all(instances.map((instance) => instance.stop()));
    await Promise.all(instances.map((instance) => instance.start()));
    const client = await import('./authority-harness.js').then(async ({ newClient, transportFor }) => {
      const connected = newClient();
      await connected.connect(transportFor(mcpUrl, provider));
      return connected;
    });
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'ada' });
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'ada' });
    await client.close();
    expect(provider.authorizationUrls).toHaveLength(signIns);
  }, 120_000);

  it('answers a Redis outage with 503s naming the store (never a 500), and loses nothing when Redis is back', async () => {
    const token = provider.tokens()!.access_token;
    // Both instances confirm the grant alive just before Redis goes.
    expect(await mcpStatus(port(0), token)).toBe(200);
    expect(await mcpStatus(port(1), token)).toBe(200);
    const logged = lb.log.length;
    // What "nothing lost" rests on: the server really runs with the append-only file (and no RDB snapshots to fall back on).
    const admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    expect(await admin.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await admin.config('GET', 'save')).toEqual(['save', '']);
    admin.disconnect();
    await redis.stop();

    // Confirmed alive within the live-grant window: gated requests keep working.
    expect(await mcpStatus(port(0), token)).toBe(200);
    for (const i of [0, 1]) {
      const ready = await fetch(`http://127.0.0.1:${port(i)}/readyz`);
      expect(ready.status).toBe(503);
      const detail = JSON.stringify(await ready.json());
      expect(detail).toContain('store redis');
      expect(detail).not.toContain(REDIS_PASSWORD);

      const refresh = await fetch(`http://127.0.0.1:${port(i)}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: provider.tokens()!.refresh_token!, client_id: provider.clientInformation()!.client_id }),
      });
      expect(refresh.status).toBe(503);
      expect(refresh.headers.get('retry-after')).toBe('5');
      expect(await refresh.json()).toMatchObject({ error: 'temporarily_unavailable' });

      const register = await fetch(`${lb.origin}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' }),
      });
      expect(register.status).toBe(503);
      await register.arrayBuffer();
    }
    // Past the live-grant window the grant cannot be confirmed: 503 with Retry-After, no challenge (the token may be fine).
    await new Promise((resolve) => setTimeout(resolve, 5200));
    const unconfirmed = await fetch(`${lb.origin}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: TOOLS_LIST,
    });
    expect(unconfirmed.status).toBe(503);
    expect(unconfirmed.headers.get('retry-after')).toBe('5');
    expect(unconfirmed.headers.get('www-authenticate')).toBeNull();
    expect(await unconfirmed.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(lb.log.slice(logged).filter((line) => / 5\d\d /.test(line) && !/ 503 /.test(line))).toEqual([]);

    await redis.start();
    for (const i of [0, 1]) await expect.poll(async () => (await fetch(`http://127.0.0.1:${port(i)}/readyz`)).status, { timeout: 15_000, interval: 200 }).toBe(200);
    // Nothing lost (AOF): the refresh token saved before the outage still works, and the new tokens on both instances.
    const refreshed = await fetch(`${lb.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: provider.tokens()!.refresh_token!, client_id: provider.clientInformation()!.client_id }),
    });
    expect(refreshed.status).toBe(200);
    const tokens = (await refreshed.json()) as { access_token: string };
    expect(await mcpStatus(port(0), tokens.access_token)).toBe(200);
    expect(await mcpStatus(port(1), tokens.access_token)).toBe(200);
    // The password was never printed by either instance.
    for (const instance of instances) expect(instance.output.join('')).not.toContain(REDIS_PASSWORD);
  }, 60_000);
});
