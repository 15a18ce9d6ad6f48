import { describe, expect, it } from 'vitest';
import { InvalidTokenError } from '../errors.js';
import type { AuthInfo, TokenVerifier, VerifyContext } from './types.js';
import { cacheVerifications } from './verification-cache.js';

const context: VerifyContext = { resource: 'https://mcp.example.com/mcp', audience: ['https://mcp.example.com/mcp'] };

/** A verifier of our own interface that counts calls and accepts tokens named "good-<exp>". */
function countingVerifier(clock: { now: number }) {
  const calls: string[] = [];
  const verifier: TokenVerifier = {
    async verify(token: string, ctx: VerifyContext): Promise<AuthInfo> {
      calls.push(token);
      const match = /^good-(\d+)$/.exec(token);
      if (!match) throw new InvalidTokenError('ERR_JWS_SIGNATURE_INVALID', 'bad signature');
      const expiresAt = Number(match[1]);
      if (expiresAt * 1000 <= clock.now) throw new InvalidTokenError('ERR_JWT_EXPIRED', 'expired');
      return { token, clientId: 'c', scopes: ['s'], expiresAt, resource: new URL(ctx.resource), extra: { sub: 'u' } };
    },
  };
  return { verifier, calls };
}

describe('cacheVerifications', () => {
  it('verifies a repeated token once, and returns a fresh copy each time', async () => {
    const clock = { now: 1_000_000 };
    const { verifier, calls } = countingVerifier(clock);
    const cached = cacheVerifications(verifier, { ttlSec: 60, maxEntries: 10, now: () => clock.now });
    const token = `good-${1_000_000 / 1000 + 600}`;
    const first = await cached.verify(token, context);
    first.scopes.push('mutated');
    (first as { clientId: string }).clientId = 'changed';
    const second = await cached.verify(token, context);
    expect(calls).toHaveLength(1);
    expect(second.clientId).toBe('c');
    expect(second.scopes).toEqual(['s']);
    second.scopes.push('mutated');
    expect(cached.cached(token, context)?.scopes).toEqual(['s']);
    expect(cached.cache).toMatchObject({ hits: 2, misses: 1, size: 1 });
  });

  it('answers synchronously from what it remembers, for the same audience only', async () => {
    const clock = { now: 1_000_000 };
    const { verifier } = countingVerifier(clock);
    const cached = cacheVerifications(verifier, { ttlSec: 60, maxEntries: 10, now: () => clock.now });
    const token = `good-${1_000_000 / 1000 + 600}`;
    expect(cached.cached(token, context)).toBeUndefined();
    await cached.verify(token, context);
    expect(cached.cached(token, context)).toMatchObject({ token, clientId: 'c' });
    expect(cached.cached(token, { resource: 'https://other.example.com/mcp', audience: ['https://other.example.com/mcp'] })).toBeUndefined();
    expect(cached.cached(token, { ...context, audience: [...context.audience, 'extra'] })).toBeUndefined();
    clock.now += 61_000;
    expect(cached.cached(token, context)).toBeUndefined();
    expect(cached.cache).toMatchObject({ hits: 1, misses: 1 });
  });

  it('never confuses two tokens that end alike', async () => {
    const clock = { now: 1_000_000 };
    const calls: string[] = [];
    const tail = 'x'.repeat(100);
    const verifier: TokenVerifier = {
      async verify(token: string): Promise<AuthInfo> {
        calls.push(token);
        if (token.startsWith('forged')) throw new InvalidTokenError('ERR_JWS_SIGNATURE_INVALID', 'bad signature');
        return { token, clientId: token.slice(0, 5), scopes: [], expiresAt: 2_000 };
      },
    };
    const cached = cacheVerifications(verifier, { ttlSec: 60, maxEntries: 10, now: () => clock.now });
    expect((await cached.verify(`alice${tail}`, context)).clientId).toBe('alice');
    await expect(cached.verify(`forged${tail}`, context)).rejects.toBeInstanceOf(InvalidTokenError);
    expect((await cached.verify(`alice${tail}`, context)).clientId).toBe('alice');
    expect((await cached.verify(`bobby${tail}`, context)).clientId).toBe('bobby');
    expect((await cached.verify(`bobby${tail}`, context)).clientId).toBe('bobby');
    expect(cached.cached(`alice${tail}`, context)).toBeUndefined();
    expect(calls).toEqual([`alice${tail}`, `forged${tail}`, `bobby${tail}`]);
  });

  it('never serves a result past the TTL or past the token expiry', async () => {
    const clock = { now: 1_000_000 };
    const { verifier, calls } = countingVerifier(clock);
    const cached = cacheVerifications(verifier, { ttlSec: 60, maxEntries: 10, now: () => clock.now });
    const longLived = `good-${1000 + 3600}`;
    await cached.verify(longLived, context);
    clock.now += 61_000;
    await cached.verify(longLived, context);
    expect(calls).toHaveLength(2);

    const shortLived = `good-${Math.floor(clock.now / 1000) + 5}`;
    await cached.verify(shortLived, context);
    clock.now += 6_000;
    await expect(cached.verify(shortLived, context)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  it('does not cache failures, and keys results by audience', async () => {
    const clock = { now: 1_000_000 };
    const { verifier, calls } = countingVerifier(clock);
    const cached = cacheVerifications(verifier, { ttlSec: 60, maxEntries: 10, now: () => clock.now });
    await expect(cached.verify('forged', context)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(cached.verify('forged', context)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(calls).toEqual(['forged', 'forged']);

    const token = 'good-9999999';
    await cached.verify(token, context);
    await cached.verify(token, { resource: 'https://other.example.com/mcp', audience: ['https://other.example.com/mcp'] });
    expect(calls.filter((t) => t === token)).toHaveLength(2);
  });

  it('stays bounded and skips oversized tokens', async () => {
    const clock = { now: 1_000_000 };
    const { verifier } = countingVerifier(clock);
    const cached = cacheVerifications(verifier, { ttlSec: 60, maxEntries: 3, maxCachedTokenBytes: 64, now: () => clock.now });
    for (let i = 0; i < 10; i++) await cached.verify(`good-${9_000_000 + i}`, context);
    expect(cached.cache.size).toBe(3);
    cached.cache.clear();
    const big = `good-${'0'.repeat(100)}9999999`;
    await cached.verify(big, context);
    expect(cached.cache.size).toBe(0);
  });

  it('is off with a TTL of 0', async () => {
    const clock = { now: 1_000_000 };
    const { verifier, calls } = countingVerifier(clock);
    const cached = cacheVerifications(verifier, { ttlSec: 0, maxEntries: 10, now: () => clock.now });
    await cached.verify('good-9999999', context);
    await cached.verify('good-9999999', context);
    expect(calls).toHaveLength(2);
  });

  it('remembers what a result was checked against, not what the caller later makes of its context', async () => {
    const clock = { now: 1_000_000 };
    const { verifier, calls } = countingVerifier(clock);
    const cached = cacheVerifications(verifier, { ttlSec: 60, maxEntries: 10, now: () => clock.now });
    const token = 'good-9999999';
    const mine: VerifyContext = { resource: context.resource, audience: [...context.audience] };
    await cached.verify(token, mine);
    // The caller reuses its object for another audience: the remembered result must not answer for it.
    mine.audience[0] = 'https://other.example.com/mcp';
    expect(cached.cached(token, mine)).toBeUndefined();
    expect(cached.cached(token, context)).toMatchObject({ token });
    const frozen = Object.freeze({ resource: context.resource, audience: Object.freeze([...context.audience]) as string[] });
    await cached.verify('good-8888888', frozen);
    expect(cached.cached('good-8888888', frozen)).toMatchObject({ token: 'good-8888888' });
    expect(cached.cached('good-8888888', { resource: context.resource, audience: ['https://mcp.example.com/mcp', 'x'] })).toBeUndefined();
    expect(calls).toEqual([token, 'good-8888888']);
  });

  it('finds each of two alternating tokens, the one used last without its key', async () => {
    const clock = { now: 1_000_000 };
    const { verifier, calls } = countingVerifier(clock);
    const cached = cacheVerifications(verifier, { ttlSec: 60, maxEntries: 10, now: () => clock.now });
    for (let i = 0; i < 3; i++) {
      expect((await cached.verify('good-9999999', context)).token).toBe('good-9999999');
      expect((await cached.verify('good-9999998', context)).token).toBe('good-9999998');
    }
    expect(calls).toEqual(['good-9999999', 'good-9999998']);
    clock.now += 61_000;
    expect(cached.cached('good-9999998', context)).toBeUndefined();
    expect(cached.cached('good-9999999', context)).toBeUndefined();
  });
});

