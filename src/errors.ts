/**
 * Typed errors with stable `code` strings, so callers can `switch` on them.
 *
 * Every error that ends a request carries the OAuth `error` code and HTTP
 * `status` it maps to (RFC 6750 §3.1), plus an `error_description` a user can
 * act on. Messages never contain the token itself.
 *
 * @example
 * ```ts
 * try { await gate.verifier.verify(token) }
 * catch (err) {
 *   if (err instanceof GatehouseError && err.code === 'ERR_JWT_EXPIRED') { ... }
 * }
 * ```
 */
export type ErrorCode =
  // requests
  | 'ERR_TOKEN_MISSING'
  | 'ERR_AUTHORIZATION_HEADER_INVALID'
  | 'ERR_AUTHORIZATION_HEADER_DUPLICATE'
  | 'ERR_TOKEN_IN_QUERY'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_REQUEST_BODY_UNCHECKABLE'
  | 'ERR_REQUEST_BODY_TOO_LARGE'
  // JWTs
  | 'ERR_JWT_MALFORMED'
  | 'ERR_JWS_SIGNATURE_INVALID'
  | 'ERR_JOSE_ALG_NOT_ALLOWED'
  | 'ERR_JWKS_NO_MATCHING_KEY'
  | 'ERR_JWT_ISSUER_MISMATCH'
  | 'ERR_JWT_AUDIENCE_MISMATCH'
  | 'ERR_JWT_EXPIRED'
  | 'ERR_JWT_NOT_YET_VALID'
  | 'ERR_JWT_TYPE_INVALID'
  | 'ERR_JWT_CLAIM_INVALID'
  // opaque tokens
  | 'ERR_TOKEN_INACTIVE'
  | 'ERR_TOKEN_UNSUPPORTED'
  // verification infrastructure (still answered as 401, never 500)
  | 'ERR_JWKS_UNAVAILABLE'
  | 'ERR_INTROSPECTION_FAILED'
  | 'ERR_VERIFICATION_FAILED'
  // authorization
  | 'ERR_INSUFFICIENT_SCOPE'
  // setup
  | 'ERR_CONFIG_INVALID'
  | 'ERR_DISCOVERY_FAILED'
  // token exchange (on-behalf-of calls)
  | 'ERR_TOKEN_EXCHANGE_REFUSED'
  | 'ERR_TOKEN_EXCHANGE_FAILED';

/** Base class of every error Gatehouse throws on purpose. */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An error that ends a request with an OAuth error response (RFC 6750). */
export abstract class OAuthError extends GatehouseError {
  abstract readonly status: number;
  abstract readonly error: string;
  /** The text sent to the client as `error_description`. */
  get error_description(): string {
    return this.message;
  }
}

/**
 * The presented token cannot be used: malformed, forged, expired, for another
 * audience, revoked... Answered with 401 and `error="invalid_token"`.
 */
export class InvalidTokenError extends OAuthError {
  readonly status = 401;
  readonly error = 'invalid_token';
}

/**
 * No bearer token was presented. Answered with 401 and a challenge that has no
 * `error` code (RFC 6750 §3.1), which tells a client to start the OAuth flow.
 */
export class MissingTokenError extends OAuthError {
  readonly status = 401;
  readonly error = '';
  constructor(message = 'No bearer token in the Authorization header') {
    super('ERR_TOKEN_MISSING', message);
  }
}

/**
 * The request itself is malformed: several Authorization headers, a token in
 * the query string as well as the header... Answered with 400 and
 * `error="invalid_request"` (RFC 6750 §3.1).
 */
export class InvalidRequestError extends OAuthError {
  readonly status = 400;
  readonly error = 'invalid_request';
}

/**
 * The body of a request that passed the token check is larger than the cap
 * the gate reads (4 MiB by default). Answered with 413 and
 * `error="invalid_request"`; the body is not read past the cap.
 */
export class RequestTooLargeError extends OAuthError {
  readonly status = 413;
  readonly error = 'invalid_request';
  /** The cap, in bytes. */
  readonly limit: number;
  constructor(limit: number) {
    super('ERR_REQUEST_BODY_TOO_LARGE', `The request body is larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * The token is valid but lacks scopes. Answered with 403 and
 * `error="insufficient_scope", scope="<every scope the request needs>"`.
 */
export class InsufficientScopeError extends OAuthError {
  readonly status = 403;
  readonly error = 'insufficient_scope';
  /** Every scope the request needs, to be requested in one step-up. */
  readonly scopes: string[];
  constructor(message: string, scopes: string[]) {
    super('ERR_INSUFFICIENT_SCOPE', message);
    this.scopes = scopes;
  }
}

/** The configuration is wrong; the message names the setting and the fix. */
export class ConfigError extends GatehouseError {
  constructor(message: string) {
    super('ERR_CONFIG_INVALID', message);
  }
}

/** The upstream issuer's metadata could not be fetched or is unusable. */
export class DiscoveryError extends GatehouseError {
  /** The URLs that were tried, in order. */
  readonly urls: string[];
  constructor(message: string, urls: string[], options?: { cause?: unknown }) {
    super('ERR_DISCOVERY_FAILED', message, options);
    this.urls = urls;
  }
}

/**
 * A token exchange (RFC 8693, or Entra ID on-behalf-of) did not produce a
 * token. `ERR_TOKEN_EXCHANGE_REFUSED`: the authorization server answered
 * with an OAuth error (`error` and `error_description` are its own words);
 * `ERR_TOKEN_EXCHANGE_FAILED`: it could not be reached or answered something
 * unusable. Neither the subject token nor the client's secret is ever in
 * the message.
 *
 * @example
 * ```ts
 * try { await exchange.tokenFor(authInfo, { audience: 'https://api.example.com' }) }
 * catch (err) {
 *   if (err instanceof TokenExchangeError && err.error === 'invalid_target') { ... }
 * }
 * ```
 */
export class TokenExchangeError extends GatehouseError {
  /** The token endpoint's HTTP status, when it answered. */
  readonly status: number | undefined;
  /** The OAuth error code the token endpoint returned (`invalid_target`, `invalid_grant`...). */
  readonly error: string | undefined;
  readonly error_description: string | undefined;
  constructor(
    code: 'ERR_TOKEN_EXCHANGE_REFUSED' | 'ERR_TOKEN_EXCHANGE_FAILED',
    message: string,
    details: { status?: number; error?: string; error_description?: string; cause?: unknown } = {},
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.error = details.error;
    this.error_description = details.error_description;
  }
}
