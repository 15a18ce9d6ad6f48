/**
 * Microseconds per token verification, in this process: the gate's verifier
 * on fresh tokens (every call a cache miss: header checks, key lookup,
 * signature, claims) and on one repeated token (cache hits), next to a bare
 * `jose` `jwtVerify` against a local key set, which is the floor for an
 * RS256 signature check plus claim validation.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { JwksCache } from '../src/discovery/jwks-cache.js';
import { createGatehouse } from '../src/gatehouse.js';
import { createJwtVerifier } from '../src/tokens/jwt-verifier.js';
import type { GatehouseVerifier } from '../src/tokens/create-verifier.js';
import type { VerifyContext } from '../src/tokens/types.js';
import { median } from './stats.js';
import { PUBLIC_URL, RESOURCE, type BenchTokens } from './tokens.js';

/** How much to measure. */
export interface VerifyBenchOptions {
  /** Verifications per batch. */
  iterations: number;
  /** Batches; the median batch is reported. */
  batches: number;
}

export interface VerifyBenchRow {
  name: string;
  /** Median over batches of (batch time / iterations). */
  microsPerOp: number;
  /** Every batch's µs per verification. */
  batches: number[];
  /** Median over batches of this process's CPU time (all threads: Web Crypto runs on the pool) per verification. */
  cpuMicrosPerOp: number;
  /** The gate's cache counters over the measured batches, where a gate was measured. */
  cache?: { hits: number; misses: number };
}

type Verify = (token: string) => Promise<unknown>;

async function timeBatches(verify: Verify, tokenFor: (i: number) => string, options: VerifyBenchOptions, offset: number): Promise<{ wall: number[]; cpu: number[] }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let batch = 0; batch < options.batches; batch++) {
    const first = offset + batch * options.iterations;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < options.iterations; i++) await verify(tokenFor(first + i));
    const used = process.cpuUsage(cpuBefore);
    wall.push(((performance.now() - started) * 1000) / options.iterations);
    cpu.push((used.user + used.system) / options.iterations);
  }
  return { wall, cpu };
}

/**
 * Runs the verification benchmark. Needs `batches × iterations` fresh tokens
 * plus a few hundred for warm-up; fresh tokens are never reused while the
 * gate's cache could still hold them.
 *
 * @example
 * ```ts
 * const rows = await runVerifyBench(tokens, { iterations: 2000, batches: 5 });
 * ```
 */
export async function runVerifyBench(tokens: BenchTokens, options: VerifyBenchOptions): Promise<VerifyBenchRow[]> {
  const measured = options.iterations * options.batches;
  const warmup = Math.min(500, options.iterations);
  if (tokens.fresh.length < measured + warmup) {
    throw new Error(`the verification benchmark needs ${measured + warmup} fresh tokens, got ${tokens.fresh.length}`);
  }

  const gate = createGatehouse({ issuer: tokens.issuer.issuer, publicUrl: PUBLIC_URL });
  try {
    await gate.ready();
    const verifier = gate.verifier as GatehouseVerifier;
    const context: VerifyContext = { resource: RESOURCE, audience: [RESOURCE] };
    const viaGate: Verify = (token) => verifier.verify(token, context);

    const keySet = createLocalJWKSet((await (await fetch(tokens.issuer.jwksUri)).json()) as JSONWebKeySet);
    const viaJose: Verify = (token) =>
      jwtVerify(token, keySet, { issuer: tokens.issuer.issuer, audience: RESOURCE, algorithms: ['RS256'], requiredClaims: ['exp'] });

    // The same JWT verifier with each signature path, no cache: what a token seen for the first time costs.
    const bare = (signatures: 'native' | 'jose'): Verify => {
      const jwt = createJwtVerifier({
        issuer: () => tokens.issuer.issuer,
        keys: new JwksCache({ jwksUri: () => tokens.issuer.jwksUri }),
        algorithms: ['RS256'],
        clockToleranceSec: 30,
        requireAccessTokenType: false,
        maxTokenBytes: 16_384,
        signatures,
      });
      return (token) => jwt.verify(token, context);
    };
    const viaNative = bare('native');
    const viaJoseSignatures = bare('jose');

    const fresh = (i: number) => tokens.fresh[i]!;
    const repeated = () => tokens.repeated;

    // Warm-up on tokens past the measured range, so the measured ones are still unseen by the cache.
    await timeBatches(viaGate, fresh, { iterations: warmup, batches: 1 }, measured);
    await timeBatches(viaJose, fresh, { iterations: warmup, batches: 1 }, measured);
    await timeBatches(viaGate, repeated, { iterations: warmup, batches: 1 }, 0);
    await timeBatches(viaNative, fresh, { iterations: warmup, batches: 1 }, measured);
    await timeBatches(viaJoseSignatures, fresh, { iterations: warmup, batches: 1 }, measured);

    const rows: VerifyBenchRow[] = [];
    async function measure(name: string, verify: Verify, tokenFor: (i: number) => string, gateCache: boolean): Promise<void> {
      const before = { hits: verifier.jwtCache.hits, misses: verifier.jwtCache.misses };
      const { wall, cpu } = await timeBatches(verify, tokenFor, options, 0);
      const cache = { hits: verifier.jwtCache.hits - before.hits, misses: verifier.jwtCache.misses - before.misses };
      rows.push({ name, microsPerOp: median(wall), batches: wall, cpuMicrosPerOp: median(cpu), ...(gateCache ? { cache } : {}) });
    }
    await measure('gate.verifier.verify, fresh token (cache miss)', viaGate, fresh, true);
    await measure('gate.verifier.verify, repeated token (cache hit)', viaGate, repeated, true);
    await measure('jose jwtVerify, local key set (no cache)', viaJose, fresh, false);
    // Interleaved, so the machine's noise falls on both alike.
    for (let round = 0; round < 2; round++) {
      await measure(`JWT verifier, node:crypto signatures (no cache), round ${round + 1}`, viaNative, fresh, false);
      await measure(`JWT verifier, jose signatures (no cache), round ${round + 1}`, viaJoseSignatures, fresh, false);
    }
    return rows;
  } finally {
    gate.close();
  }
}
