/**
 * The sign-in throttle across instances: two authorities on one real
 * redis-server (GATEHOUSE_STORE=redis), the shared sign-in rate limit set
 * out of the way so only the throttle counts. Failures on one account
 * through instance A make instance B wait (per instance, B let its own
 * free failures through); 20 parallel wrong guesses on one account, spread
 * over both, reach the password check only as often as the free failures
 * allow; and Redis down is a 503, never a 500, never an unthrottled check.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runUsers } from '../../src/cli/users.js';
import { describeWithRedis, startRedisServer, type TestRedis } from '../helpers/redis-server.js';
import { signInForTokens, startDemo, tempStateDir } from './authority-harness.js';

const SECRET = 'a-shared-secret-of-more-than-32-characters-throttle';
const PASSWORD = 'correct horse battery staple';
const FREE_FAILURES = 3;
const quiet = { out: () => undefined, err: () => undefined };

/** Stops a headless sign-in once its login POST was answered: each guess is one POST. */
class Answered extends Error {}

describeWithRedis('the sign-in throttle on two instances sharing one Redis', () => {
  const states = [tempStateDir(), tempStateDir()];
  let redis: TestRedis;
  let demos: Awaited<ReturnType<typeof startDemo>>[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    const usersFile = join(states[0]!.path, 'users.json');
    expect(await runUsers(['add', 'bob', '--password-stdin', '--file', usersFile], {}, quiet, { readAll: async () => PASSWORD })).toBe(0);
    const authority = {
      store: 'redis' as const, redisUrl: redis.url, redisPrefix: 'throttle:', secret: SECRET, devLogin: false, usersFile,
      signInThrottle: { accountFailures: FREE_FAILURES, accountMaxDelaySec: 600, addressBurst: 1000, addressRefillSec: 1 },
      signInRateLimit: { accountBurst: 1000, accountRefillSec: 1, addressBurst: 1000, addressRefillSec: 1 },
      registrationRateLimit: { burst: 1000, refillSec: 1 },
    };
    for (const state of states) demos.push(await startDemo(state.path, { layers: { authority } }));
  }, 60_000);

  afterAll(async () => {
    for (const demo of demos) await demo.close();
    demos = [];
    await redis?.close();
    for (const state of states) state.remove();
  });

  /** One wrong guess at `login` through instance `i`: the status of its login POST. `hold` delays the POST until it resolves. */
  async function guess(i: number, login: string, hold?: Promise<void>): Promise<number> {
    let status = 0;
    const send = async (url: URL, init: RequestInit) => {
      if (init.method !== 'POST' || !url.pathname.endsWith('/login')) return fetch(url, init);
      await hold;
      const response = await fetch(url, init);
      status = response.status;
      await response.arrayBuffer();
      throw new Answered();
    };
    await signInForTokens(demos[i]!.origin, { login, password: 'not-the-password', scope: 'mcp', fetch: send }).catch((err: unknown) => {
      if (!(err instanceof Answered)) throw err;
    });
    return status;
  }

  it('makes B wait after the free failures spent on A, for a real user and an unknown one alike', async () => {
    for (const login of ['bob', 'nobody-at-all']) {
      for (let n = 0; n < FREE_FAILURES; n++) expect(await guess(0, login)).toBe(200);
      expect(await guess(1, login)).toBe(429);
      expect(await guess(0, login)).toBe(429);
    }
  }, 60_000);

  it('lets 20 parallel guesses over both instances reach the password check only as often as the free failures', async () => {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const guesses = Array.from({ length: 20 }, (_, n) => guess(n % 2, 'carol', hold));
    // Every guess has its login page before any is sent.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    release();
    const statuses = await Promise.all(guesses);
    expect(statuses.filter((s) => s === 200)).toHaveLength(FREE_FAILURES);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - FREE_FAILURES);
  }, 60_000);

  it('answers a sign-in 503 temporarily_unavailable while Redis is down, never a 500 and never an unthrottled check', async () => {
    // The login page comes first (Redis up); the POST goes while Redis is down.
    let outage: { status: number; retryAfter: string | null; body: string } | undefined;
    const send = async (url: URL, init: RequestInit) => {
      if (init.method !== 'POST' || !url.pathname.endsWith('/login')) return fetch(url, init);
      await redis.stop();
      try {
        const response = await fetch(url, init);
        outage = { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
      } finally {
        await redis.start();
      }
      throw new Answered();
    };
    await signInForTokens(demos[1]!.origin, { login: 'bob', password: PASSWORD, scope: 'mcp', fetch: send }).catch((err: unknown) => {
      if (!(err instanceof Answered)) throw err;
    });
    expect(outage).toMatchObject({ status: 503, retryAfter: '5' });
    expect(JSON.parse(outage!.body)).toMatchObject({ error: 'temporarily_unavailable' });
  }, 60_000);
});
