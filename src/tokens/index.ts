export type { AuthInfo, TokenVerifier, VerifyContext } from './types.js';
export { claimsToAuthInfo } from './claims.js';
export { createJwtVerifier, looksLikeJwt, assertTokenSize, type JwtVerifierOptions, type KeySource } from './jwt-verifier.js';
export { createIntrospectionVerifier, type IntrospectionVerifier, type IntrospectionVerifierOptions } from './introspection.js';
export { createVerifier, type GatehouseVerifier } from './create-verifier.js';
export { joseErrorToInvalidToken } from './jose-errors.js';
export { TtlCache } from './ttl-cache.js';
export { cacheVerifications, type CachingVerifier, type VerificationCacheOptions } from './verification-cache.js';
