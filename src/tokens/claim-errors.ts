import { InvalidTokenError } from '../errors.js';

/**
 * The errors a claim check ends in, shared by the JWT verifier and
 * introspection so both say the same thing. Claim values come from the token,
 * so they are quoted, made printable and shortened before they reach a message.
 */

/**
 * A claim value fit for a message: JSON-quoted, printable ASCII, at most ~120 characters.
 *
 * @example
 * ```ts
 * printable('https://idp.example.com/'); // '"https://idp.example.com/"'
 * ```
 */
export function printable(value: unknown): string {
  if (value === undefined) return 'none';
  const text = JSON.stringify(value) ?? String(value);
  const safe = text.replace(/[^\x20-\x7e]/g, '?');
  return safe.length > 120 ? `${safe.slice(0, 117)}...` : safe;
}

/** Seconds since the epoch as an ISO 8601 time, or the raw value when it is not a usable date. */
export function isoTime(seconds: unknown): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return printable(seconds);
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? printable(seconds) : date.toISOString();
}

const withoutTrailingSlash = (value: string) => (value.endsWith('/') ? value.slice(0, -1) : value);

/**
 * `iss` is not the expected issuer. When the two differ only by a trailing
 * slash (a classic), the message says so and how to fix it.
 *
 * @example
 * ```ts
 * throw issuerMismatch('https://idp.example.com/', 'https://idp.example.com');
 * ```
 */
export function issuerMismatch(expected: string, got: unknown): InvalidTokenError {
  let message = `Token issuer mismatch: expected ${printable(expected)}, got ${printable(got)}`;
  if (typeof got === 'string' && got !== expected && withoutTrailingSlash(got) === withoutTrailingSlash(expected)) {
    message +=
      '. They differ only by a trailing slash, and issuers must match exactly. The expected value is the issuer in the ' +
      'identity provider\'s metadata; if its tokens really carry the other form, set OAUTH_METADATA_OVERRIDES=' +
      `{"issuer":${printable(got)}}`;
  }
  return new InvalidTokenError('ERR_JWT_ISSUER_MISMATCH', message);
}

/**
 * `aud` has none of the accepted audiences.
 *
 * @example
 * ```ts
 * throw audienceMismatch(['https://mcp.example.com/mcp'], 'account');
 * ```
 */
export function audienceMismatch(expected: readonly string[], got: unknown): InvalidTokenError {
  const wanted = expected.length === 1 ? printable(expected[0]) : `one of ${printable(expected)}`;
  return new InvalidTokenError(
    'ERR_JWT_AUDIENCE_MISMATCH',
    `Token audience mismatch: expected ${wanted}, got ${printable(got)}. The token was issued for another resource; ` +
      'the client must request it for this server (RFC 8707 resource parameter), or set OAUTH_AUDIENCE to the audience your identity provider uses',
  );
}

/**
 * `exp` has passed (beyond the clock tolerance).
 *
 * @example
 * ```ts
 * throw expired(1767225600, 30);
 * ```
 */
export function expired(exp: unknown, clockToleranceSec: number): InvalidTokenError {
  return new InvalidTokenError(
    'ERR_JWT_EXPIRED',
    `Token expired at ${isoTime(exp)} (now ${new Date().toISOString()}, clock tolerance ${clockToleranceSec}s); the client must refresh it or get a new one`,
  );
}

/**
 * `nbf` is still in the future (beyond the clock tolerance).
 *
 * @example
 * ```ts
 * throw notYetValid(1767225600, 30);
 * ```
 */
export function notYetValid(nbf: unknown, clockToleranceSec: number): InvalidTokenError {
  return new InvalidTokenError(
    'ERR_JWT_NOT_YET_VALID',
    `Token is not valid before ${isoTime(nbf)} (now ${new Date().toISOString()}, clock tolerance ${clockToleranceSec}s); check the clocks of this server and the issuer`,
  );
}

/**
 * The token is bound to a key (`cnf`, RFC 9449 DPoP or RFC 8705 mTLS) but was
 * sent as a plain bearer token, whose possession this server cannot check.
 *
 * @example
 * ```ts
 * if (claims.cnf !== undefined) throw senderConstrained();
 * ```
 */
export function senderConstrained(): InvalidTokenError {
  return new InvalidTokenError(
    'ERR_TOKEN_UNSUPPORTED',
    'Token is sender-constrained (it has a "cnf" claim: DPoP or mTLS) and cannot be accepted as a Bearer token here',
  );
}
