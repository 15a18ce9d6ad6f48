/**
 * The stable codes of Gatehouse's errors, one list per class, so that a class
 * accepts only its own codes (see errors.ts, which is what users import).
 */

/**
 * The codes of InvalidTokenError: the presented token cannot be used (401 `invalid_token`).
 *
 * @example
 * ```ts
 * if (INVALID_TOKEN_CODES.includes(err.code)) metrics.invalidTokens.inc({ code: err.code });
 * ```
 */
export const INVALID_TOKEN_CODES = [
  // the Authorization header
  'ERR_AUTHORIZATION_HEADER_INVALID',
  'ERR_TOKEN_TOO_LARGE',
  // JWTs
  'ERR_JWT_MALFORMED',
  'ERR_JWS_SIGNATURE_INVALID',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWT_ISSUER_MISMATCH',
  'ERR_JWT_AUDIENCE_MISMATCH',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_NOT_YET_VALID',
  'ERR_JWT_TYPE_INVALID',
  'ERR_JWT_CLAIM_INVALID',
  // opaque tokens
  'ERR_TOKEN_INACTIVE',
  'ERR_TOKEN_UNSUPPORTED',
  // verification infrastructure (still answered as 401, never 500)
  'ERR_JWKS_UNAVAILABLE',
  'ERR_INTROSPECTION_FAILED',
  'ERR_VERIFICATION_FAILED',
] as const;

/**
 * The codes of InvalidRequestError: the request itself is malformed (400 `invalid_request`).
 *
 * @example
 * ```ts
 * INVALID_REQUEST_CODES.includes('ERR_TOKEN_IN_QUERY'); // true
 * ```
 */
export const INVALID_REQUEST_CODES = ['ERR_AUTHORIZATION_HEADER_DUPLICATE', 'ERR_TOKEN_IN_QUERY', 'ERR_REQUEST_BODY_UNCHECKABLE'] as const;

/**
 * The codes of TokenExchangeError: refused by the authorization server, or failed to reach it.
 *
 * @example
 * ```ts
 * TOKEN_EXCHANGE_CODES; // ['ERR_TOKEN_EXCHANGE_REFUSED', 'ERR_TOKEN_EXCHANGE_FAILED']
 * ```
 */
export const TOKEN_EXCHANGE_CODES = ['ERR_TOKEN_EXCHANGE_REFUSED', 'ERR_TOKEN_EXCHANGE_FAILED'] as const;

/**
 * The codes of UpstreamError: broker mode's upstream identity provider could
 * not be reached (`UNREACHABLE`), refused a request (`REFUSED`: a wrong
 * client secret, an expired refresh token), answered something unusable
 * (`INVALID_RESPONSE`), or holds no token for this sign-in (`NO_TOKEN`).
 *
 * @example
 * ```ts
 * UPSTREAM_CODES.includes('ERR_UPSTREAM_UNREACHABLE'); // true
 * ```
 */
export const UPSTREAM_CODES = ['ERR_UPSTREAM_UNREACHABLE', 'ERR_UPSTREAM_REFUSED', 'ERR_UPSTREAM_INVALID_RESPONSE', 'ERR_UPSTREAM_NO_TOKEN'] as const;

/**
 * A code {@link UpstreamError} may carry.
 *
 * @example
 * ```ts
 * const code: UpstreamCode = 'ERR_UPSTREAM_REFUSED';
 * ```
 */
export type UpstreamCode = (typeof UPSTREAM_CODES)[number];

/**
 * A code {@link InvalidTokenError} may carry.
 *
 * @example
 * ```ts
 * const code: InvalidTokenCode = 'ERR_JWT_EXPIRED';
 * ```
 */
export type InvalidTokenCode = (typeof INVALID_TOKEN_CODES)[number];

/**
 * A code {@link InvalidRequestError} may carry.
 *
 * @example
 * ```ts
 * const code: InvalidRequestCode = 'ERR_TOKEN_IN_QUERY';
 * ```
 */
export type InvalidRequestCode = (typeof INVALID_REQUEST_CODES)[number];

/**
 * A code {@link TokenExchangeError} may carry.
 *
 * @example
 * ```ts
 * const code: TokenExchangeCode = 'ERR_TOKEN_EXCHANGE_REFUSED';
 * ```
 */
export type TokenExchangeCode = (typeof TOKEN_EXCHANGE_CODES)[number];

/**
 * Every stable code Gatehouse throws with. {@link AnyGatehouseError} pairs
 * each class with the codes it carries, so switching on `code` narrows.
 *
 * @example
 * ```ts
 * function label(code: ErrorCode): string {
 *   return code === 'ERR_JWT_EXPIRED' ? 'sign in again' : code;
 * }
 * ```
 */
export type ErrorCode =
  | InvalidTokenCode
  | InvalidRequestCode
  | TokenExchangeCode
  | UpstreamCode
  | 'ERR_TOKEN_MISSING'
  | 'ERR_REQUEST_BODY_TOO_LARGE'
  | 'ERR_HEADER_MISMATCH'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_DISCOVERY_FAILED';
