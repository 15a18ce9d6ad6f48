/**
 * mcp-gatehouse/errors: typed errors with stable `code` strings, so callers
 * can `switch` on them. Each class is tied to its own codes, as jose's errors
 * are: `InvalidTokenError` takes only an {@link InvalidTokenCode}, and its
 * static `codes` lists them; a class with one code also has a static `code`.
 *
 * Every error that ends a request carries the OAuth `error` code and HTTP
 * `status` it maps to (RFC 6750 §3.1), plus an `error_description` a user can
 * act on. Messages never contain the token itself.
 *
 * @example
 * ```ts
 * import { InvalidTokenError, type AnyGatehouseError } from 'mcp-gatehouse/errors';
 *
 * try { await gate.verifier.verify(token) }
 * catch (err) {
 *   if (err instanceof InvalidTokenError && err.code === 'ERR_JWT_EXPIRED') { ... }
 * }
 * ```
 *
 * @packageDocumentation
 */

import { INVALID_REQUEST_CODES, INVALID_TOKEN_CODES, TOKEN_EXCHANGE_CODES, UPSTREAM_CODES } from './error-codes.js';
import type { ErrorCode, InvalidRequestCode, InvalidTokenCode, TokenExchangeCode, UpstreamCode } from './error-codes.js';

export { INVALID_REQUEST_CODES, INVALID_TOKEN_CODES, TOKEN_EXCHANGE_CODES, UPSTREAM_CODES };
export type { ErrorCode, InvalidRequestCode, InvalidTokenCode, TokenExchangeCode, UpstreamCode };

/**
 * Base class of every error Gatehouse throws on purpose.
 *
 * @example
 * ```ts
 * if (err instanceof GatehouseError) log.warn({ code: err.code }, err.message);
 * ```
 */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * An error that ends a request with an OAuth error response (RFC 6750).
 *
 * @example
 * ```ts
 * if (err instanceof OAuthError) return Response.json({ error: err.error, error_description: err.error_description }, { status: err.status });
 * ```
 */
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
 *
 * @example
 * ```ts
 * throw new InvalidTokenError('ERR_TOKEN_INACTIVE', 'The token was revoked; sign in again');
 * ```
 */
export class InvalidTokenError extends OAuthError {
  static readonly codes: readonly InvalidTokenCode[] = INVALID_TOKEN_CODES;
  declare readonly code: InvalidTokenCode;
  readonly status = 401;
  readonly error = 'invalid_token';
  constructor(code: InvalidTokenCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * No bearer token was presented. Answered with 401 and a challenge that has no
 * `error` code (RFC 6750 §3.1), which tells a client to start the OAuth flow.
 *
 * @example
 * ```ts
 * if (!request.headers.has('authorization')) throw new MissingTokenError();
 * ```
 */
export class MissingTokenError extends OAuthError {
  static readonly code = 'ERR_TOKEN_MISSING';
  static readonly codes: readonly 'ERR_TOKEN_MISSING'[] = [MissingTokenError.code];
  declare readonly code: typeof MissingTokenError.code;
  readonly status = 401;
  readonly error = '';
  constructor(message = 'No bearer token in the Authorization header') {
    super(MissingTokenError.code, message);
  }
}

/**
 * The request itself is malformed: several Authorization headers, a token in
 * the query string as well as the header... Answered with 400 and
 * `error="invalid_request"` (RFC 6750 §3.1).
 *
 * @example
 * ```ts
 * throw new InvalidRequestError('ERR_TOKEN_IN_QUERY', 'Send the token in the Authorization header');
 * ```
 */
export class InvalidRequestError extends OAuthError {
  static readonly codes: readonly InvalidRequestCode[] = INVALID_REQUEST_CODES;
  declare readonly code: InvalidRequestCode;
  readonly status = 400;
  readonly error = 'invalid_request';
  constructor(code: InvalidRequestCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * The body of a request that passed the token check is larger than the cap
 * the gate reads (4 MiB by default). Answered with 413 and
 * `error="invalid_request"`; the body is not read past the cap.
 *
 * @example
 * ```ts
 * if (bytes > limit) throw new RequestTooLargeError(limit);
 * ```
 */
export class RequestTooLargeError extends OAuthError {
  static readonly code = 'ERR_REQUEST_BODY_TOO_LARGE';
  static readonly codes: readonly 'ERR_REQUEST_BODY_TOO_LARGE'[] = [RequestTooLargeError.code];
  declare readonly code: typeof RequestTooLargeError.code;
  readonly status = 413;
  readonly error = 'invalid_request';
  /** The cap, in bytes. */
  readonly limit: number;
  constructor(limit: number) {
    super(RequestTooLargeError.code, `The request body is larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * An MCP 2026-07-28 request whose standard headers (`MCP-Protocol-Version`,
 * `Mcp-Method`, `Mcp-Name`) disagree with its body, or lack one the body
 * needs. Answered with 400 and the JSON-RPC error `-32020`
 * (HeaderMismatch), before any scope check or handler runs: an
 * intermediary routing on the headers must never see a different request
 * than the one the server runs.
 *
 * @example
 * ```ts
 * throw new HeaderMismatchError('the Mcp-Name header names "a" but the body\'s params.name is "b"', 7);
 * ```
 */
export class HeaderMismatchError extends OAuthError {
  static readonly code = 'ERR_HEADER_MISMATCH';
  static readonly codes: readonly 'ERR_HEADER_MISMATCH'[] = [HeaderMismatchError.code];
  /** The JSON-RPC error code of the answer (SEP-2243 HeaderMismatch). */
  static readonly rpcCode = -32020;
  declare readonly code: typeof HeaderMismatchError.code;
  readonly status = 400;
  readonly error = 'invalid_request';
  /** The `id` of the JSON-RPC request, when the body has one; the answer echoes it. */
  readonly requestId: string | number | null;
  constructor(message: string, requestId: string | number | null = null) {
    super(HeaderMismatchError.code, message);
    this.requestId = requestId;
  }
}

/**
 * The token could not be checked because something the check needs is
 * unreachable for now (the authority's store, during a Redis outage).
 * Answered with 503, `error="temporarily_unavailable"` and `Retry-After`,
 * without a challenge: the client should wait, not sign in again.
 *
 * @example
 * ```ts
 * throw new TemporarilyUnavailableError('The store is unreachable; try again shortly', 5);
 * ```
 */
export class TemporarilyUnavailableError extends OAuthError {
  static readonly code = 'ERR_STORE_UNAVAILABLE';
  static readonly codes: readonly 'ERR_STORE_UNAVAILABLE'[] = [TemporarilyUnavailableError.code];
  declare readonly code: typeof TemporarilyUnavailableError.code;
  readonly status = 503;
  readonly error = 'temporarily_unavailable';
  /** Seconds the client is told to wait (`Retry-After`). */
  readonly retryAfterSec: number;
  constructor(message: string, retryAfterSec: number, options?: { cause?: unknown }) {
    super(TemporarilyUnavailableError.code, message, options);
    this.retryAfterSec = retryAfterSec;
  }
}

/**
 * The token is valid but lacks scopes. Answered with 403 and
 * `error="insufficient_scope", scope="<every scope the request needs>"`.
 *
 * @example
 * ```ts
 * throw new InsufficientScopeError('This tool needs the "orders:write" scope', ['mcp', 'orders:write']);
 * ```
 */
export class InsufficientScopeError extends OAuthError {
  static readonly code = 'ERR_INSUFFICIENT_SCOPE';
  static readonly codes: readonly 'ERR_INSUFFICIENT_SCOPE'[] = [InsufficientScopeError.code];
  declare readonly code: typeof InsufficientScopeError.code;
  readonly status = 403;
  readonly error = 'insufficient_scope';
  /** Every scope the request needs, to be requested in one step-up. */
  readonly scopes: string[];
  constructor(message: string, scopes: string[]) {
    super(InsufficientScopeError.code, message);
    this.scopes = scopes;
  }
}

/**
 * The configuration is wrong; the message names the setting and the fix.
 *
 * @example
 * ```ts
 * try { resolveConfig(layers) } catch (err) { if (err instanceof ConfigError) { console.error(err.message); process.exit(2) } }
 * ```
 */
export class ConfigError extends GatehouseError {
  static readonly code = 'ERR_CONFIG_INVALID';
  static readonly codes: readonly 'ERR_CONFIG_INVALID'[] = [ConfigError.code];
  declare readonly code: typeof ConfigError.code;
  constructor(message: string) {
    super(ConfigError.code, message);
  }
}

/**
 * The upstream issuer's metadata could not be fetched or is unusable.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof DiscoveryError) console.error(err.message, 'tried', err.urls) }
 * ```
 */
export class DiscoveryError extends GatehouseError {
  static readonly code = 'ERR_DISCOVERY_FAILED';
  static readonly codes: readonly 'ERR_DISCOVERY_FAILED'[] = [DiscoveryError.code];
  declare readonly code: typeof DiscoveryError.code;
  /** The URLs that were tried, in order. */
  readonly urls: string[];
  constructor(message: string, urls: string[], options?: { cause?: unknown }) {
    super(DiscoveryError.code, message, options);
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
  static readonly codes: readonly TokenExchangeCode[] = TOKEN_EXCHANGE_CODES;
  declare readonly code: TokenExchangeCode;
  /** The token endpoint's HTTP status, when it answered. */
  readonly status: number | undefined;
  /** The OAuth error code the token endpoint returned (`invalid_target`, `invalid_grant`...). */
  readonly error: string | undefined;
  readonly error_description: string | undefined;
  constructor(
    code: TokenExchangeCode,
    message: string,
    details: { status?: number; error?: string; error_description?: string; cause?: unknown } = {},
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.error = details.error;
    this.error_description = details.error_description;
  }
}

/**
 * Broker mode: a call to the upstream identity provider failed. The message
 * names the upstream and what failed; `error`/`error_description` are the
 * upstream's own OAuth error when it answered one. No token or secret is
 * ever in the message.
 *
 * @example
 * ```ts
 * try { await authority.upstreamTokenFor(authInfo) }
 * catch (err) {
 *   if (err instanceof UpstreamError && err.code === 'ERR_UPSTREAM_NO_TOKEN') { ... } // sign in again
 * }
 * ```
 */
export class UpstreamError extends GatehouseError {
  static readonly codes: readonly UpstreamCode[] = UPSTREAM_CODES;
  declare readonly code: UpstreamCode;
  /** The upstream's OAuth error code (`invalid_client`, `invalid_grant`...), when it answered one. */
  readonly error: string | undefined;
  readonly error_description: string | undefined;
  /**
   * What failed, in words for the user's error page (no host detail beyond
   * the upstream's name, no secret): `did not answer within 10 s while
   * redeeming the sign-in code`. Set when the upstream could not be reached.
   */
  readonly summary: string | undefined;
  constructor(code: UpstreamCode, message: string, details: { error?: string; error_description?: string; summary?: string; cause?: unknown } = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.error = details.error;
    this.error_description = details.error_description;
    this.summary = details.summary;
  }
}

/**
 * Any error Gatehouse throws on purpose, as a union discriminated by `code`:
 * in `switch (err.code)`, each case narrows `err` to its class.
 *
 * @example
 * ```ts
 * function hint(err: AnyGatehouseError): string | undefined {
 *   switch (err.code) {
 *     case 'ERR_INSUFFICIENT_SCOPE': return `ask for ${err.scopes.join(' ')}`; // err is InsufficientScopeError
 *     case 'ERR_DISCOVERY_FAILED': return `tried ${err.urls.join(', ')}`; // err is DiscoveryError
 *   }
 * }
 * ```
 */
export type AnyGatehouseError =
  | InvalidTokenError
  | MissingTokenError
  | InvalidRequestError
  | RequestTooLargeError
  | HeaderMismatchError
  | TemporarilyUnavailableError
  | InsufficientScopeError
  | ConfigError
  | DiscoveryError
  | TokenExchangeError
  | UpstreamError;
