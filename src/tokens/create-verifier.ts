import type { GatehouseConfig } from '../config/schema.js';
import { InvalidTokenError } from '../errors.js';
import { JwksCache } from '../discovery/jwks-cache.js';
import type { UpstreamMetadata } from '../discovery/upstream.js';
import { createIntrospectionVerifier, type IntrospectionVerifier } from './introspection.js';
import { assertTokenSize, createJwtVerifier, looksLikeJwt } from './jwt-verifier.js';
import type { AuthInfo, TokenVerifier, VerifyContext } from './types.js';
import { cacheVerifications, rememberedResult, type CachingVerifier, type RemembersResults } from './verification-cache.js';

/** The configured verifier, with its key cache and introspection client exposed for tests and benchmarks. */
export interface GatehouseVerifier extends TokenVerifier {
  readonly jwks: JwksCache;
  readonly introspection: IntrospectionVerifier | undefined;
  /** Results of JWT verifications reused for repeated tokens (`jwt.cacheTtlSec`). */
  readonly jwtCache: CachingVerifier['cache'];
}

/**
 * Builds the verifier the gate uses from the config: JWT-shaped tokens are
 * checked against the issuer's JWKS, opaque tokens are introspected when
 * introspection is configured (or every token, with `introspection.use:
 * 'always'`). The expected issuer is the one in the upstream metadata (its
 * exact string), else `config.issuer`; the JWKS URL is `jwt.jwksUri`, else the
 * metadata's `jwks_uri`.
 *
 * @example
 * ```ts
 * const upstream = new UpstreamMetadata({ issuer: config.issuer });
 * await upstream.load();
 * const verifier = createVerifier(config, upstream);
 * const info = await verifier.verify(token, { resource, audience: [resource] });
 * ```
 */
export function createVerifier(config: GatehouseConfig, upstream: UpstreamMetadata, options: { fetch?: typeof fetch } = {}): GatehouseVerifier & RemembersResults {
  const issuer = () => upstream.current?.issuer ?? config.issuer;

  const jwks = new JwksCache({
    jwksUri: () => jwksUriOf(config, upstream),
    maxAgeSec: config.jwt.jwksMaxAgeSec,
    cooldownSec: config.jwt.jwksCooldownSec,
    timeoutMs: config.discovery.timeoutMs,
    fetch: options.fetch,
  });

  const jwt = cacheVerifications(createJwtVerifier({
    issuer,
    keys: jwks,
    algorithms: config.jwt.algorithms,
    clockToleranceSec: config.jwt.clockToleranceSec,
    requireAccessTokenType: config.jwt.requireAccessTokenType,
    maxTokenBytes: config.jwt.maxTokenBytes,
  }), { ttlSec: config.jwt.cacheTtlSec, maxEntries: config.jwt.cacheMaxEntries });

  const settings = config.introspection;
  const introspection = settings
    ? createIntrospectionVerifier({
        endpoint: () => settings.endpoint ?? stringField(upstream.current?.introspection_endpoint),
        clientId: settings.clientId,
        clientSecret: settings.clientSecret,
        issuer,
        cacheTtlSec: settings.cacheTtlSec,
        cacheMaxEntries: settings.cacheMaxEntries,
        clockToleranceSec: config.jwt.clockToleranceSec,
        timeoutMs: config.discovery.timeoutMs,
        fetch: options.fetch,
      })
    : undefined;
  /** Every token goes to introspection: nothing is read from the JWT cache. */
  const introspectAlways = introspection !== undefined && settings?.use === 'always';

  /** Synchronous up to the verifier it picks, so a JWT goes on without async frames of its own (each one costs a fresh token microtasks). */
  function dispatch(token: string, context: VerifyContext): Promise<AuthInfo> {
    assertTokenSize(token, config.jwt.maxTokenBytes);
    if (introspectAlways) return introspection.verify(token, context);
    if (looksLikeJwt(token)) return jwt.verify(token, context);
    if (introspection) return introspection.verify(token, context);
    throw new InvalidTokenError(
      'ERR_JWT_MALFORMED',
      'Token is not a valid JWT format: expected three base64url parts separated by dots. ' +
        'If your identity provider issues opaque access tokens, configure introspection (OAUTH_INTROSPECTION_URL, ' +
        'OAUTH_INTROSPECTION_CLIENT_ID, OAUTH_INTROSPECTION_CLIENT_SECRET)',
    );
  }

  // A repeated token (every request of an MCP session): the remembered result, without the JWT shape check (only
  // JWTs are remembered) or the await chain. No size check either: only a token that passed it is remembered.
  function remembered(token: string, context: VerifyContext): AuthInfo | undefined {
    return introspectAlways ? undefined : jwt.cached(token, context);
  }

  return {
    jwks,
    introspection,
    jwtCache: jwt.cache,
    [rememberedResult]: remembered,
    verify(token: string, context: VerifyContext): Promise<AuthInfo> {
      const known = remembered(token, context);
      if (known) return Promise.resolve(known);
      let result: Promise<AuthInfo>;
      try {
        result = dispatch(token, context);
      } catch (err) {
        return Promise.reject(asVerificationFailure(err));
      }
      return result.then(undefined, rejectAsVerificationFailure);
    },
  };
}

/** The last line of defence: a verification failure is a 401, never a 500. */
function asVerificationFailure(err: unknown): InvalidTokenError {
  if (err instanceof InvalidTokenError) return err;
  return new InvalidTokenError('ERR_VERIFICATION_FAILED', 'Token verification failed unexpectedly; see the server log', { cause: err });
}

function rejectAsVerificationFailure(err: unknown): never {
  throw asVerificationFailure(err);
}

function jwksUriOf(config: GatehouseConfig, upstream: UpstreamMetadata): string {
  const uri = config.jwt.jwksUri ?? stringField(upstream.current?.jwks_uri);
  if (uri) return uri;
  throw new Error(
    upstream.current
      ? `the issuer's metadata has no jwks_uri; set OAUTH_JWKS_URL`
      : 'the issuer\'s metadata is not loaded yet (call ready() first), and OAUTH_JWKS_URL is not set',
  );
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
