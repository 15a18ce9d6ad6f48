import type { GatehouseConfig } from '../config/schema.js';
import { createJwtVerifier } from '../tokens/jwt-verifier.js';
import type { TokenVerifier } from '../tokens/types.js';
import type { AuthorityKeys } from './keys/index.js';

/**
 * Verifies the access tokens this authority issued, against its own keys
 * in process (no JWKS fetch): what the in-process gate and the
 * token-exchange grant's subject-token check both need. Wrap it in
 * `requireLiveGrant` so that revocation counts.
 *
 * @example
 * ```ts
 * const verifier = requireLiveGrant(ownAccessTokenVerifier(config, keys), provider);
 * ```
 */
export function ownAccessTokenVerifier(config: GatehouseConfig, keys: AuthorityKeys): TokenVerifier {
  return createJwtVerifier({
    issuer: () => config.issuer,
    keys: keys.keySource,
    algorithms: keys.algorithms,
    clockToleranceSec: config.jwt.clockToleranceSec,
    // Every token this authority issues is an RFC 9068 access token; anything else (an ID token) is refused.
    requireAccessTokenType: true,
    maxTokenBytes: config.jwt.maxTokenBytes,
  });
}
