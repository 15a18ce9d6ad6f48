/**
 * Microseconds per token verification, in this process: the gate's verifier
 * on fresh tokens (every call a cache miss: header checks, key lookup,
 * signature, claims) and on one repeated token (cache hits), next to a bare
 * `jose` `jwtVerify` against a local key set, which is the floor for an
 * RS256 signature check plus claim validation.
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import { JwksCache } from '../src/discovery/jwks-cache.js';
import { createGatehouse } from '../src/gatehouse.js';
import { createJwtVerifier } from '../src/tokens/jwt-verifier.js';
import type { GatehouseVerifier } from '../src/tokens/create-verifier.js';
import type { VerifyContext } from '../src/tokens/types.js';
import { median } from './stats.js';
import { prepareTokens, PUBLIC_URL, RESOURCE, type BenchTokens } from './tokens.js';

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
 * Makes the tokens what a server receives: jose's signer returns each one as
 * a concatenation of its three parts, which V8 copies into one flat string
 * on the first scan, ~1.3 µs for a 700-byte token charged to whichever
 * verifier reads it first. A token read from a request header is one flat
 * string already (and the gate's bearer check scans it before any
 * verifier). One regular-expression test flattens each here, untimed.
 */
function asReceived(tokens: BenchTokens): void {
  for (const token of tokens.fresh) /./.test(token);
  /./.test(tokens.repeated);
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

  asReceived(tokens);
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
    for (const alg of ALGORITHMS) rows.push(...(await perAlgorithm(alg, alg === 'RS256' ? tokens : undefined, options)));
    return rows;
  } finally {
    gate.close();
  }
}

/** The algorithms issue 14 names for first-seen verification (≤ 40 µs each on Node). */
const ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;

/** node:crypto's digest for each: the reference row calls `crypto.verify` exactly as the native path does. */
const DIGEST: Record<(typeof ALGORITHMS)[number], string | null> = { RS256: 'sha256', ES256: 'sha256', EdDSA: null };

/** Sync batches for the bare `crypto.verify` reference (an `await` per call would charge it a microtask the row is not about). */
function timeSyncBatches(run: (i: number) => unknown, options: VerifyBenchOptions): { wall: number[]; cpu: number[] } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let batch = 0; batch < options.batches; batch++) {
    const first = batch * options.iterations;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < options.iterations; i++) run(first + i);
    const used = process.cpuUsage(cpuBefore);
    wall.push(((performance.now() - started) * 1000) / options.iterations);
    cpu.push((used.user + used.system) / options.iterations);
  }
  return { wall, cpu };
}

/**
 * One algorithm's rows: the bare signature check (`crypto.verify` on a
 * `KeyObject`, signing input and signature decoded beforehand), the JWT
 * verifier with no cache, and the gate's verifier on fresh tokens, so the
 * overhead around the signature reads per algorithm. The tokens are minted
 * before anything is timed; the gate sees each one once.
 */
async function perAlgorithm(alg: (typeof ALGORITHMS)[number], given: BenchTokens | undefined, options: VerifyBenchOptions): Promise<VerifyBenchRow[]> {
  const measured = options.iterations * options.batches;
  const warmup = Math.min(500, options.iterations);
  const tokens = given ?? (await prepareTokens(measured + warmup, alg));
  asReceived(tokens);
  // The RS256 tokens' first `measured` were seen by the gate above: this gate is a new one, with an empty cache.
  const gate = createGatehouse({ issuer: tokens.issuer.issuer, publicUrl: PUBLIC_URL });
  try {
    await gate.ready();
    const verifier = gate.verifier as GatehouseVerifier;
    const context: VerifyContext = { resource: RESOURCE, audience: [RESOURCE] };
    const jwks = (await (await fetch(tokens.issuer.jwksUri)).json()) as { keys: JWK[] };
    const key: KeyObject = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' });
    const verifyKey = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
    const prepared = tokens.fresh.slice(0, measured + warmup).map((token) => {
      const dot = token.lastIndexOf('.');
      return { data: Buffer.from(token.slice(0, dot)), signature: Buffer.from(token.slice(dot + 1), 'base64url') };
    });
    const bare = (i: number) => {
      const { data, signature } = prepared[i]!;
      if (!cryptoVerify(DIGEST[alg], data, verifyKey, signature)) throw new Error(`the ${alg} reference did not verify its own token`);
    };
    const jwt = createJwtVerifier({
      issuer: () => tokens.issuer.issuer,
      keys: new JwksCache({ jwksUri: () => tokens.issuer.jwksUri }),
      algorithms: [alg],
      clockToleranceSec: 30,
      requireAccessTokenType: false,
      maxTokenBytes: 16_384,
    });
    const viaJwt: Verify = (token) => jwt.verify(token, context);
    const viaGate: Verify = (token) => verifier.verify(token, context);
    const fresh = (i: number) => tokens.fresh[i]!;

    timeSyncBatches((i) => bare(measured + (i % warmup)), { iterations: warmup, batches: 1 });
    await timeBatches(viaJwt, fresh, { iterations: warmup, batches: 1 }, measured);
    await timeBatches(viaGate, fresh, { iterations: warmup, batches: 1 }, measured);

    const rows: VerifyBenchRow[] = [];
    const row = (name: string, { wall, cpu }: { wall: number[]; cpu: number[] }, cache?: { hits: number; misses: number }) =>
      rows.push({ name, microsPerOp: median(wall), batches: wall, cpuMicrosPerOp: median(cpu), ...(cache ? { cache } : {}) });
    row(`${alg}: node:crypto verify alone (reference)`, timeSyncBatches(bare, options));
    row(`${alg}: JWT verifier, no cache`, await timeBatches(viaJwt, fresh, options, 0));
    const before = { hits: verifier.jwtCache.hits, misses: verifier.jwtCache.misses };
    const viaGateTimes = await timeBatches(viaGate, fresh, options, 0);
    row(`${alg}: gate.verifier.verify, fresh token`, viaGateTimes, { hits: verifier.jwtCache.hits - before.hits, misses: verifier.jwtCache.misses - before.misses });
    return rows;
  } finally {
    gate.close();
    if (!given) await tokens.issuer.close();
  }
}
