import { errors, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { isJsonObject } from '../discovery/http.js';
import type { Base64urlDecoder, Utf8Decoder } from './native-signatures.js';

/**
 * The header and claims of a compact JWT read and checked the way jose reads
 * and checks them (`decodeProtectedHeader`, then `validateClaimsSet` with the
 * options the JWT verifier passes), for the native signature path: with the
 * runtime's base64url decoder, without rebuilding the token as an unsecured
 * JWT to hand jose, and with the option handling jose does per call done
 * once. Failures are jose's own error classes with jose's messages, so the
 * verifier maps them to the same `InvalidTokenError`s; the differential test
 * (native-signatures.test.ts) runs both paths over one corpus and holds the
 * two together.
 */

/** Three base64url segments; the signature may be empty so `alg: none` gets its own error. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * True when a token has the shape of a compact JWS (three base64url parts).
 *
 * @example
 * ```ts
 * looksLikeJwt('eyJhbGciOi...'); // true
 * looksLikeJwt('2YotnFZFEjr1zCsicMWpAA'); // false (opaque)
 * ```
 */
export function looksLikeJwt(token: string): boolean {
  // The gate checks a token's shape to pick its verifier, the JWT verifier checks it again, and so does the native
  // signature check: the last token found well shaped answers the next two without scanning it (~1 µs each on a 700
  // byte token). Comparing the same string is a pointer comparison; another string is compared by content.
  if (token === lastWellShaped) return true;
  if (!JWT_SHAPE.test(token)) return false;
  lastWellShaped = token;
  return true;
}

let lastWellShaped: string | undefined;

/** UTF-8 that is not well formed is an error, as in jose. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const strictText: Utf8Decoder = (bytes) => strictUtf8.decode(bytes);

// `isJsonObject` is jose's `isObject` for what `JSON.parse` returns: a parsed object never has another prototype.

/**
 * The protected header of a token whose shape was checked (three base64url
 * parts). Throws, with no detail, where `decodeProtectedHeader` throws.
 *
 * @example
 * ```ts
 * const header = readProtectedHeader(token, nativeBase64url()!); // { alg: 'RS256', kid: 'k1' }
 * ```
 */
export function readProtectedHeader(token: string, decode: Base64urlDecoder, text: Utf8Decoder = strictText): ProtectedHeaderParameters {
  const parsed: unknown = JSON.parse(text(decode(token.slice(0, token.indexOf('.')))));
  if (!isJsonObject(parsed)) throw new TypeError('the protected header is not a JSON object');
  return parsed as ProtectedHeaderParameters;
}

/** Headers remembered per verifier: an issuer has one per signing key, a few more while it rotates them. */
const KNOWN_HEADERS_MAX = 16;

/**
 * The protected headers of tokens that verified, by their encoded form. An
 * issuer signs every token with one of a few headers (alg, kid, typ), so a
 * token seen for the first time almost always starts with a header read
 * before: reading it again (base64url, UTF-8, JSON) is ~2 µs spared. Reading
 * is deterministic, so a remembered header is exactly what reading would
 * give; every check on it still runs. Only verified tokens add one, so
 * made-up headers cannot churn it; it starts over when full.
 *
 * @example
 * ```ts
 * const known = new KnownHeaders();
 * const header = known.get(encoded) ?? readProtectedHeader(token, decode);
 * // ...verified:
 * known.remember(encoded, header);
 * ```
 */
export class KnownHeaders {
  readonly #headers = new Map<string, ProtectedHeaderParameters>();

  /** The header read from this first part of a token that verified, or `undefined`. */
  get(encoded: string): ProtectedHeaderParameters | undefined {
    return this.#headers.get(encoded);
  }

  /** Remembers the header of a token that verified (frozen: every later token with this first part shares it). */
  remember(encoded: string, header: ProtectedHeaderParameters): void {
    if (this.#headers.has(encoded)) return;
    if (this.#headers.size >= KNOWN_HEADERS_MAX) this.#headers.clear();
    this.#headers.set(encoded, Object.freeze(header));
  }
}

/** What the claims must say; the JWT verifier's options to jose, minus what it does not use. */
export interface ExpectedClaims {
  /** The exact `iss`. */
  issuer: string;
  /** `aud` must be, or contain, one of these. */
  audience: readonly string[];
  /** Seconds of tolerance on `exp` and `nbf`. */
  clockToleranceSec: number;
}

/** `options.requiredClaims` is `['exp']`; jose adds `aud` and `iss` (both expected) and checks in reverse order. */
const REQUIRED = ['iss', 'aud', 'exp'] as const;

/**
 * The claims of a token whose signature verified, checked as jose's
 * `jwtVerify` checks them with `{ issuer, audience, clockTolerance,
 * requiredClaims: ['exp'] }`: a JSON object; `iss`, `aud` and `exp`
 * present; `iss` exact; `aud` one of the accepted; `iat`, `nbf`, `exp`
 * numbers; `nbf` not ahead and `exp` not past beyond the tolerance.
 *
 * @example
 * ```ts
 * const claims = checkedClaims(token, decode, { issuer: 'https://idp.example.com', audience: [resource], clockToleranceSec: 30 });
 * ```
 */
export function checkedClaims(token: string, decode: Base64urlDecoder, expected: ExpectedClaims, text: Utf8Decoder = strictText): JWTPayload {
  let bytes: Uint8Array;
  try {
    bytes = decode(token.slice(token.indexOf('.') + 1, token.lastIndexOf('.')));
  } catch (cause) {
    throw new errors.JWTInvalid('Failed to base64url decode the payload', { cause });
  }
  let claims: unknown;
  try {
    claims = JSON.parse(text(bytes));
  } catch (cause) {
    throw new errors.JWTInvalid('JWT Claims Set must be a top-level JSON object', { cause });
  }
  if (!isJsonObject(claims)) throw new errors.JWTInvalid('JWT Claims Set must be a top-level JSON object');

  for (const claim of REQUIRED) {
    if (!Object.hasOwn(claims, claim)) throw new errors.JWTClaimValidationFailed(`missing required "${claim}" claim`, claims, claim, 'missing');
  }
  if (claims.iss !== expected.issuer) throw unexpected(claims, 'iss');
  if (!hasAudience(claims.aud, expected.audience)) throw unexpected(claims, 'aud');

  const tolerance = expected.clockToleranceSec;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError('Invalid clockTolerance option input');
  const now = Math.floor(Date.now() / 1000);
  numericDate(claims, 'iat');
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > now + tolerance) {
    throw new errors.JWTClaimValidationFailed('"nbf" claim timestamp check failed', claims, 'nbf', 'check_failed');
  }
  const exp = numericDate(claims, 'exp');
  if (exp !== undefined && exp <= now - tolerance) throw new errors.JWTExpired('"exp" claim timestamp check failed', claims, 'exp', 'check_failed');
  return claims as JWTPayload;
}

function hasAudience(aud: unknown, accepted: readonly string[]): boolean {
  if (typeof aud === 'string') return accepted.includes(aud);
  if (Array.isArray(aud)) return accepted.some((one) => aud.includes(one));
  return false;
}

function numericDate(claims: Record<string, unknown>, claim: 'iat' | 'nbf' | 'exp'): number | undefined {
  const value = claims[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new errors.JWTClaimValidationFailed(`"${claim}" claim must be a number`, claims, claim, 'invalid');
  return value;
}

function unexpected(claims: Record<string, unknown>, claim: string): Error {
  return new errors.JWTClaimValidationFailed(`unexpected "${claim}" claim value`, claims, claim, 'check_failed');
}
