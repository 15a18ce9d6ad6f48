import { importJWK, type CryptoKey, type JWK, type JWSHeaderParameters } from 'jose';
import { printable } from '../../tokens/claim-errors.js';
import type { KeySource } from '../../tokens/jwt-verifier.js';
import { InvalidTokenError } from '../../errors.js';

interface LoadedKey {
  kid: string;
  alg: string;
  key: CryptoKey;
}

/**
 * The gate's view of the authority's own published keys, in process: the
 * gate verifies tokens the authority signed without fetching its JWKS over
 * HTTP. A `kid` picks its key; a token without one is tried against every
 * key of its algorithm.
 *
 * @example
 * ```ts
 * const keys = await createLocalKeySource(authorityKeys.publicJwks.keys);
 * const verifier = createJwtVerifier({ issuer: () => issuer, keys, algorithms: ['RS256', 'ES256', 'EdDSA'], ... });
 * ```
 */
export async function createLocalKeySource(publicKeys: readonly JWK[]): Promise<KeySource> {
  const loaded: LoadedKey[] = [];
  for (const jwk of publicKeys) {
    if (typeof jwk.kid !== 'string' || typeof jwk.alg !== 'string') continue;
    loaded.push({ kid: jwk.kid, alg: jwk.alg, key: (await importJWK(jwk, jwk.alg)) as CryptoKey });
  }

  return {
    async getKeys(header: JWSHeaderParameters): Promise<CryptoKey[]> {
      const matching = typeof header.kid === 'string'
        ? loaded.filter((k) => k.kid === header.kid && k.alg === header.alg)
        : loaded.filter((k) => k.alg === header.alg);
      if (matching.length > 0) return matching.map((k) => k.key);
      const kid = header.kid === undefined ? 'no kid' : `kid ${printable(header.kid)}`;
      throw new InvalidTokenError(
        'ERR_JWKS_NO_MATCHING_KEY',
        `No signing key of this authorization server matches the token (${kid}, alg ${printable(header.alg)}). ` +
          'The token was signed by another issuer, or with a key that has been rotated out and is no longer published.',
      );
    },
  };
}
