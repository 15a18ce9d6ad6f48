import { startTestIssuer, type TestIssuer } from '../src/testing/index.js';

/** The public URL the benchmarked gates are configured with; tokens are minted for its `/mcp`. */
export const PUBLIC_URL = 'http://localhost:3000';
export const RESOURCE = `${PUBLIC_URL}/mcp`;

/** A running test issuer and the tokens minted ahead of time, so minting is never measured. */
export interface BenchTokens {
  issuer: TestIssuer;
  /** One token sent on every request of the repeated-token runs. */
  repeated: string;
  /** Distinct tokens, each verified once per run (cache misses). */
  fresh: string[];
}

/** Tokens signed at once; jose signs on libuv's thread pool, so batches use both cores. */
const MINT_BATCH = 200;

/**
 * Starts the project's test issuer on loopback (RS256 unless told, the
 * algorithm most identity providers use) and mints `count` distinct access tokens for
 * {@link RESOURCE}, valid long enough to outlive the whole benchmark.
 *
 * @example
 * ```ts
 * const { issuer, repeated, fresh } = await prepareTokens(20_000);
 * // ...
 * await issuer.close();
 * ```
 */
export async function prepareTokens(count: number, alg: 'RS256' | 'ES256' | 'EdDSA' = 'RS256'): Promise<BenchTokens> {
  const issuer = await startTestIssuer({ alg, audience: RESOURCE, scope: 'mcp' });
  try {
    const mintOne = () => issuer.mint({ sub: 'bench-user' }, { expiresIn: 3600 });
    const fresh: string[] = [];
    while (fresh.length < count) {
      const size = Math.min(MINT_BATCH, count - fresh.length);
      fresh.push(...(await Promise.all(Array.from({ length: size }, mintOne))));
    }
    return { issuer, repeated: await mintOne(), fresh };
  } catch (err) {
    await issuer.close();
    throw err;
  }
}
