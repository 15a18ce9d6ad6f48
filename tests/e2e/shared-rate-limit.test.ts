/**
 * The rate limits across instances: two authorities on one real
 * redis-server (GATEHOUSE_STORE=redis). A configured machine client's
 * /token burst, and an address's registration burst, spent through one
 * instance are refused (429 with Retry-After) by the other.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, startRedisServer, type TestRedis } from '../helpers/redis-server.js';
import { startDemo, tempStateDir } from './authority-harness.js';

const ROBOT = { client_id: 'robot', client_secret: 'robot-secret-for-tests-only-0123456789', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp:tools' };
const SECRET = 'a-shared-secret-of-more-than-32-characters-limits';

describeWithRedis('the rate limits on two instances sharing one Redis', () => {
  const states = [tempStateDir(), tempStateDir()];
  let redis: TestRedis;
  let demos: Awaited<ReturnType<typeof startDemo>>[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    const layers = { authority: { store: 'redis' as const, redisUrl: redis.url, redisPrefix: 'limits:', secret: SECRET, clients: [ROBOT], tokenRateLimit: { burst: 3, refillSec: 60 }, registrationRateLimit: { burst: 2, refillSec: 60 } } };
    for (const state of states) demos.push(await startDemo(state.path, { layers }));
  }, 60_000);

  afterAll(async () => {
    for (const demo of demos) await demo.close();
    demos = [];
    await redis?.close();
    for (const state of states) state.remove();
  });

  async function clientCredentials(i: number): Promise<Response> {
    return fetch(`${demos[i]!.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${ROBOT.client_id}:${ROBOT.client_secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
  }

  it('refuses on B with 429 and Retry-After the request past the burst spent on A', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await clientCredentials(0);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const refused = await clientCredentials(1);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
    const alsoOnA = await clientCredentials(0);
    expect(alsoOnA.status).toBe(429);
    await alsoOnA.arrayBuffer();
  }, 30_000);

  it('refuses on B with 429 the registration past the burst an address spent on A', async () => {
    const register = (i: number) =>
      fetch(`${demos[i]!.origin}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none' }),
      });
    for (let i = 0; i < 2; i++) {
      const res = await register(0);
      expect(res.status).toBe(201);
      await res.arrayBuffer();
    }
    const refused = await register(1);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
  }, 30_000);
});
