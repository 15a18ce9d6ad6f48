import { decodeProtectedHeader, generateKeyPair, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidTokenError } from '../errors.js';
import { startTestIssuer, type TestIssuer } from '../testing/test-issuer.js';
import { JwksCache, type JwksCacheOptions } from './jwks-cache.js';

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(() => issuer.close());

/** A clock the test moves by hand, so freshness and cooldowns need no waiting. */
function manualClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (sec: number) => void (t += sec * 1000) };
}

function cacheFor(options: Partial<JwksCacheOptions> = {}): JwksCache {
  return new JwksCache({ jwksUri: () => issuer.jwksUri, timeoutMs: 2000, ...options });
}

/** Resolves a minted token's key through the cache and checks it really verifies the token. */
async function verifyWith(cache: JwksCache, token: string): Promise<void> {
  const [key] = await cache.getKeys(decodeProtectedHeader(token));
  await jwtVerify(token, key!);
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidTokenError);
  return (err as InvalidTokenError).code;
}

describe('JwksCache', () => {
  it('fetches once and serves from the cache while fresh', async () => {
    const cache = cacheFor();
    for (let i = 0; i < 5; i++) await verifyWith(cache, await issuer.mint());
    expect(cache.counters.fetches).toBe(1);
    expect(cache.jwks?.keys).toHaveLength(1);
  });

  it('refetches once for an unknown kid after a rotation', async () => {
    const clock = manualClock();
    const cache = cacheFor({ now: clock.now });
    await verifyWith(cache, await issuer.mint());
    await issuer.rotate();
    clock.advance(31);
    await verifyWith(cache, await issuer.mint());
    expect(cache.counters.fetches).toBe(2);
  });

  it('50 concurrent tokens with a new kid cause exactly one JWKS fetch', async () => {
    const clock = manualClock();
    const cache = cacheFor({ now: clock.now });
    await verifyWith(cache, await issuer.mint());
    await issuer.rotate();
    clock.advance(31);
    const tokens = await Promise.all(Array.from({ length: 50 }, () => issuer.mint()));
    const before = issuer.jwksRequests;
    await Promise.all(tokens.map((token) => verifyWith(cache, token)));
    expect(issuer.jwksRequests - before).toBe(1);
    expect(cache.counters.fetches).toBe(2);
  });

  it('a flood of random kids costs at most one fetch per cooldown', async () => {
    const clock = manualClock();
    const cache = cacheFor({ now: clock.now, cooldownSec: 30 });
    await verifyWith(cache, await issuer.mint());
    clock.advance(31);
    const flood = () => Promise.all(Array.from({ length: 40 }, () => codeOf(cache.getKeys({ alg: 'RS256', kid: crypto.randomUUID() }))));
    expect(new Set(await flood())).toEqual(new Set(['ERR_JWKS_NO_MATCHING_KEY']));
    expect(cache.counters.fetches).toBe(2);
    clock.advance(10);
    await flood();
    expect(cache.counters.fetches).toBe(2);
    clock.advance(25);
    await flood();
    expect(cache.counters.fetches).toBe(3);
  });

  it('rejects an unknown kid right after a fetch without refetching (rate limit)', async () => {
    const cache = cacheFor({ cooldownSec: 30 });
    await verifyWith(cache, await issuer.mint());
    const { privateKey } = await generateKeyPair('RS256');
    const foreign = await issuer.mint({}, { key: privateKey, header: { kid: 'not-published' } });
    const err = await cache.getKeys(decodeProtectedHeader(foreign)).catch((e: unknown) => e as InvalidTokenError);
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect((err as InvalidTokenError).code).toBe('ERR_JWKS_NO_MATCHING_KEY');
    expect((err as InvalidTokenError).message).toContain('kid "not-published"');
    expect(cache.counters.fetches).toBe(1);
  });

  it('keeps serving cached keys when the endpoint goes down or serves garbage', async () => {
    const clock = manualClock();
    const cache = cacheFor({ now: clock.now, maxAgeSec: 60 });
    const token = await issuer.mint();
    await verifyWith(cache, token);
    try {
      for (const mode of ['unavailable', 'garbage'] as const) {
        issuer.setJwksMode(mode);
        clock.advance(120); // stale: a background refetch starts and fails
        await verifyWith(cache, token);
        await cache.reload();
        await verifyWith(cache, token);
      }
      expect(cache.counters.failures).toBeGreaterThanOrEqual(2);
    } finally {
      issuer.setJwksAvailable(true);
    }
  });

  it('refetches stale keys in the background and picks up new ones', async () => {
    const clock = manualClock();
    const cache = cacheFor({ now: clock.now, maxAgeSec: 60, cooldownSec: 30 });
    const oldToken = await issuer.mint();
    await verifyWith(cache, oldToken);
    await issuer.rotate();
    clock.advance(61);
    // Stale keys still answer at once; the refetch runs beside it.
    await verifyWith(cache, oldToken);
    // The new kid is found through that refetch; the cooldown forbids a third fetch.
    await verifyWith(cache, await issuer.mint());
    expect(cache.counters.fetches).toBe(2);
  });

  it('fails with ERR_JWKS_UNAVAILABLE, naming the URL, when it has no keys and the endpoint is down', async () => {
    issuer.setJwksAvailable(false);
    try {
      const cache = cacheFor({ cooldownSec: 30 });
      const token = await issuer.mint();
      const err = await cache.getKeys(decodeProtectedHeader(token)).catch((e: unknown) => e as InvalidTokenError);
      expect(err).toBeInstanceOf(InvalidTokenError);
      expect((err as InvalidTokenError).code).toBe('ERR_JWKS_UNAVAILABLE');
      expect((err as InvalidTokenError).message).toContain(`could not be fetched from ${issuer.jwksUri}: HTTP 503`);
      // Within the cooldown, further tokens fail at once instead of hammering the endpoint.
      expect(await codeOf(cache.getKeys(decodeProtectedHeader(token)))).toBe('ERR_JWKS_UNAVAILABLE');
      expect(cache.counters.fetches).toBe(1);
    } finally {
      issuer.setJwksAvailable(true);
    }
  });

  it('recovers once the endpoint is back and the cooldown has passed', async () => {
    const clock = manualClock();
    issuer.setJwksAvailable(false);
    const cache = cacheFor({ now: clock.now });
    const token = await issuer.mint();
    expect(await codeOf(cache.getKeys(decodeProtectedHeader(token)))).toBe('ERR_JWKS_UNAVAILABLE');
    issuer.setJwksAvailable(true);
    clock.advance(31);
    await verifyWith(cache, token);
  });

  it('reports a JWKS URI that cannot be determined', async () => {
    const cache = new JwksCache({
      jwksUri: () => {
        throw new Error("the issuer's metadata has no jwks_uri; set OAUTH_JWKS_URL");
      },
    });
    const err = await cache.getKeys({ alg: 'RS256' }).catch((e: unknown) => e as InvalidTokenError);
    expect((err as InvalidTokenError).code).toBe('ERR_JWKS_UNAVAILABLE');
    expect((err as InvalidTokenError).message).toContain('OAUTH_JWKS_URL');
    expect(cache.counters.fetches).toBe(0);
  });

  it('returns every candidate key when the token has no kid', async () => {
    const rotating = await startTestIssuer();
    try {
      await rotating.rotate();
      const cache = new JwksCache({ jwksUri: () => rotating.jwksUri });
      const keys = await cache.getKeys({ alg: 'RS256' });
      expect(keys).toHaveLength(2);
    } finally {
      await rotating.close();
    }
  });

  it('keysNow gives, without waiting, the keys an earlier lookup found, only those, and forgets them with a new key set', async () => {
    const rotating = await startTestIssuer();
    try {
      const clock = manualClock();
      const cache = new JwksCache({ jwksUri: () => rotating.jwksUri, timeoutMs: 2000, maxAgeSec: 60, cooldownSec: 0, now: clock.now });
      const header = decodeProtectedHeader(await rotating.mint());
      expect(cache.keysNow(header)).toBeUndefined(); // nothing fetched yet
      const keys = await cache.getKeys(header);
      expect(cache.keysNow(header)).toEqual(keys);
      expect(cache.keysNow({ ...header, kid: 'made-up' })).toBeUndefined();
      expect(cache.keysNow({ ...header, kid: 7 as unknown as string })).toBeUndefined();
      expect(cache.keysNow({ ...header, alg: 'ES256' })).toBeUndefined();
      expect(() => (cache.keysNow(header) as unknown as unknown[]).push(1)).toThrow(); // shared: frozen
      // Stale keys still answer, and start one background refetch, as getKeys does; the new set starts empty.
      const newKid = await rotating.rotate({ dropOld: true });
      clock.advance(61);
      expect(cache.keysNow(header)).toEqual(keys);
      await cache.retryIfDue();
      expect(cache.counters.fetches).toBe(2);
      expect(cache.keysNow(header)).toBeUndefined();
      expect(cache.keysNow({ ...header, kid: newKid })).toBeUndefined();
    } finally {
      await rotating.close();
    }
  });
});
