import { decodeProtectedHeader, jwtVerify, type CryptoKey, type JWSHeaderParameters, type JWTPayload, type JWTVerifyOptions, type ProtectedHeaderParameters } from 'jose';
import { InvalidTokenError } from '../errors.js';
import { claimsToAuthInfo } from './claims.js';
import { isoTime, printable, senderConstrained } from './claim-errors.js';
import { invalidSignature, joseErrorToInvalidToken } from './jose-errors.js';
import { checkedClaims, KnownHeaders, looksLikeJwt, readProtectedHeader } from './jwt-parts.js';
import { nativeBase64url, nativeSignatureCheck, nativeUtf8, type Base64urlDecoder, type NativeSignatureCheck, type Utf8Decoder } from './native-signatures.js';
import type { AuthInfo, TokenVerifier, VerifyContext } from './types.js';

export { looksLikeJwt } from './jwt-parts.js';

/** Where the verifier gets its keys; `JwksCache` is one. */
export interface KeySource {
  getKeys(header: JWSHeaderParameters): Promise<CryptoKey[]>;
  /**
   * The keys `getKeys` would give for this header, when they are known
   * without waiting (no fetch, no import); `undefined` sends the verifier to
   * `getKeys`. Optional: it spares a token seen for the first time the
   * promise round trips of a lookup whose answer is already at hand.
   */
  keysNow?(header: JWSHeaderParameters): readonly CryptoKey[] | undefined;
}

/** Options of `createJwtVerifier`. */
export interface JwtVerifierOptions {
  /** The exact `iss` expected; asked on every verification so it can follow refreshed metadata. */
  issuer: () => string;
  keys: KeySource;
  /** Accepted JWS algorithms. `none` and HMAC (`HS*`) are dropped even if listed. */
  algorithms: readonly string[];
  /** Seconds of clock skew tolerated on `exp` and `nbf`. */
  clockToleranceSec: number;
  /** Require the RFC 9068 header `typ: at+jwt` (or `application/at+jwt`). */
  requireAccessTokenType: boolean;
  /** Tokens longer than this are refused before parsing. */
  maxTokenBytes: number;
  /**
   * Who checks signatures: `native` (the default) uses the runtime's own
   * crypto where it has one (`node:crypto` on Node) and jose elsewhere;
   * `jose` always uses jose (Web Crypto). Every other check is the same.
   */
  signatures?: 'native' | 'jose';
}

/** The native path: signatures with `node:crypto`, header and claims read with Node's base64url and UTF-8 decoders (jwt-parts.ts). */
interface NativePath {
  check: NativeSignatureCheck;
  decode: Base64urlDecoder;
  text: Utf8Decoder;
}

function nativePath(): NativePath | undefined {
  const check = nativeSignatureCheck();
  const decode = nativeBase64url();
  const text = nativeUtf8();
  return check && decode && text ? { check, decode, text } : undefined;
}

/**
 * Refuses tokens over the size limit before any parsing.
 *
 * @example
 * ```ts
 * assertTokenSize(token, 16_384);
 * ```
 */
export function assertTokenSize(token: string, maxTokenBytes: number): void {
  if (token.length > maxTokenBytes) {
    throw new InvalidTokenError(
      'ERR_TOKEN_TOO_LARGE',
      `Token is too large (${token.length} bytes, the limit is ${maxTokenBytes}; raise OAUTH_MAX_TOKEN_BYTES if your tokens are legitimately this big)`,
    );
  }
}

/**
 * A verifier for JWT access tokens signed with the issuer's keys: signature
 * under an allow-listed asymmetric algorithm, exact `iss`, `aud` against the
 * request's accepted audiences, `exp` (required) and `nbf` with clock
 * tolerance, optionally `typ: at+jwt`. Every failure is an
 * `InvalidTokenError` with a stable code.
 *
 * @example
 * ```ts
 * const verifier = createJwtVerifier({
 *   issuer: () => 'https://idp.example.com', keys: jwks, algorithms: ['RS256'],
 *   clockToleranceSec: 30, requireAccessTokenType: false, maxTokenBytes: 16_384,
 * });
 * const info = await verifier.verify(token, { resource: 'https://mcp.example.com/mcp', audience: ['https://mcp.example.com/mcp'] });
 * ```
 */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const algorithms = options.algorithms.filter((alg) => alg !== 'none' && !/^HS/i.test(alg));
  const native = options.signatures === 'jose' ? undefined : nativePath();
  const knownHeaders = new KnownHeaders();

  /** Where one verification stands: what every step after the header needs. */
  interface Attempt {
    token: string;
    /** The token's first part, the header as sent. */
    encodedHeader: string;
    header: ProtectedHeaderParameters;
    context: VerifyContext;
    expectedIssuer: string;
    candidates: readonly CryptoKey[];
  }

  /** The claims of a token jose checks, signature and claims: those of `key` if it signed the token, `undefined` if it did not. */
  async function joseClaims(attempt: Attempt, key: CryptoKey): Promise<JWTPayload | undefined> {
    const claimOptions: JWTVerifyOptions = {
      algorithms,
      issuer: attempt.expectedIssuer,
      audience: [...attempt.context.audience],
      clockTolerance: options.clockToleranceSec,
      requiredClaims: ['exp'],
    };
    try {
      return (await jwtVerify(attempt.token, key, claimOptions)).payload;
    } catch (err) {
      // With several candidate keys (no kid), a wrong signature means "try the next one", and so does a key
      // jose will not use for this algorithm (a TypeError: an RSA key under 2048 bits in the same JWKS).
      if ((err as { code?: unknown }).code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return undefined;
      if (attempt.candidates.length > 1 && err instanceof TypeError) return undefined;
      throw err;
    }
  }

  /** The checks jose does not make, then the `AuthInfo`. */
  function accept(attempt: Attempt, payload: JWTPayload): AuthInfo {
    if (payload.cnf !== undefined) throw senderConstrained();
    checkIssuedAt(payload.iat, options.clockToleranceSec);
    const info = claimsToAuthInfo(attempt.token, payload, attempt.context.resource);
    knownHeaders.remember(attempt.encodedHeader, attempt.header);
    return info;
  }

  /**
   * Tries the candidate keys from `first` on: natively, synchronously, while the native check can decide; the
   * first key it leaves to jose goes to jose (asynchronously), and the keys after it come back here.
   */
  function tryKeys(attempt: Attempt, first: number): AuthInfo | Promise<AuthInfo> {
    for (let i = first; i < attempt.candidates.length; i++) {
      const key = attempt.candidates[i]!;
      const valid = native?.check(attempt.header, key, attempt.token);
      if (valid === false) continue;
      if (valid === true) {
        return accept(attempt, checkedClaims(attempt.token, native!.decode, {
          issuer: attempt.expectedIssuer,
          audience: attempt.context.audience,
          clockToleranceSec: options.clockToleranceSec,
        }, native!.text));
      }
      return tryWithJose(attempt, i);
    }
    throw invalidSignature();
  }

  async function tryWithJose(attempt: Attempt, index: number): Promise<AuthInfo> {
    const payload = await joseClaims(attempt, attempt.candidates[index]!);
    return payload === undefined ? tryKeys(attempt, index + 1) : accept(attempt, payload);
  }

  async function mapFailure(result: Promise<AuthInfo>, context: VerifyContext, expectedIssuer: string): Promise<AuthInfo> {
    try {
      return await result;
    } catch (err) {
      throw joseErrorToInvalidToken(err, { expectedIssuer, audience: context.audience, clockToleranceSec: options.clockToleranceSec });
    }
  }

  /** The whole verification; synchronous when the keys are at hand and the native path decides, a promise otherwise. */
  function verifyJwt(token: string, context: VerifyContext, expectedIssuer: string): AuthInfo | Promise<AuthInfo> {
    assertTokenSize(token, options.maxTokenBytes);
    if (!looksLikeJwt(token)) {
      throw new InvalidTokenError('ERR_JWT_MALFORMED', 'Token is not a valid JWT format: expected three base64url parts separated by dots');
    }
    const encodedHeader = token.slice(0, token.indexOf('.'));
    const header = knownHeaders.get(encodedHeader) ?? readHeader(token, native);
    checkAlgorithm(header, algorithms);
    if (options.requireAccessTokenType) checkType(header);

    const known = options.keys.keysNow?.(header);
    if (known !== undefined) return tryKeys({ token, encodedHeader, header, context, expectedIssuer, candidates: known }, 0);
    return options.keys.getKeys(header).then((candidates) => tryKeys({ token, encodedHeader, header, context, expectedIssuer, candidates }, 0));
  }

  return {
    verify(token: string, context: VerifyContext): Promise<AuthInfo> {
      let expectedIssuer = '';
      try {
        expectedIssuer = options.issuer();
        const result = verifyJwt(token, context, expectedIssuer);
        return result instanceof Promise ? mapFailure(result, context, expectedIssuer) : Promise.resolve(result);
      } catch (err) {
        return Promise.reject(joseErrorToInvalidToken(err, { expectedIssuer, audience: context.audience, clockToleranceSec: options.clockToleranceSec }));
      }
    },
  };
}

/** The protected header, read by jose, or as jose reads it with the runtime's base64url decoder. */
function readHeader(token: string, native: NativePath | undefined): ProtectedHeaderParameters {
  try {
    return native ? readProtectedHeader(token, native.decode, native.text) : decodeProtectedHeader(token);
  } catch {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', 'Token is not a valid JWT format: its header is not base64url-encoded JSON');
  }
}

function checkAlgorithm(header: ProtectedHeaderParameters, algorithms: readonly string[]): void {
  if (typeof header.alg !== 'string' || header.alg === '') {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', 'Token is not a valid JWT format: its header has no "alg"');
  }
  if (!algorithms.includes(header.alg)) {
    throw new InvalidTokenError(
      'ERR_JOSE_ALG_NOT_ALLOWED',
      `Token algorithm ${printable(header.alg)} is not allowed; accepted: ${algorithms.join(', ')} ` +
        '("none" and HMAC algorithms are never accepted; change OAUTH_ALGORITHMS to accept another asymmetric one)',
    );
  }
}

function checkType(header: ProtectedHeaderParameters): void {
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : undefined;
  if (typ !== 'at+jwt' && typ !== 'application/at+jwt') {
    throw new InvalidTokenError(
      'ERR_JWT_TYPE_INVALID',
      `Token type (the "typ" header) is ${printable(header.typ)}, expected "at+jwt" (RFC 9068 JWT access token); ` +
        'an ID token is not an access token. Turn off OAUTH_REQUIRE_AT_JWT if your identity provider does not set it',
    );
  }
}

/** jose checks `iat` only with `maxTokenAge`; a token minted in the future points at a forged or misclocked issuer. */
function checkIssuedAt(iat: unknown, clockToleranceSec: number): void {
  if (typeof iat !== 'number') return;
  const now = Math.floor(Date.now() / 1000);
  if (iat > now + clockToleranceSec) {
    throw new InvalidTokenError(
      'ERR_JWT_CLAIM_INVALID',
      `Token "iat" (issued at) is ${isoTime(iat)}, in the future beyond the ${clockToleranceSec}s clock tolerance; ` +
        "check the identity provider's clock or raise OAUTH_CLOCK_TOLERANCE",
    );
  }
}
