import { GatehouseError, InvalidTokenError } from '../errors.js';
import { audienceMismatch, expired, issuerMismatch, notYetValid, printable } from './claim-errors.js';

/** What the mapper needs to write messages with expected values. */
export interface JoseErrorContext {
  expectedIssuer: string;
  audience: readonly string[];
  clockToleranceSec: number;
}

interface JoseLikeError {
  code?: unknown;
  claim?: unknown;
  reason?: unknown;
  payload?: Record<string, unknown>;
  message?: unknown;
}

/**
 * Maps anything thrown while verifying a JWT to an `InvalidTokenError` with a
 * stable code and a message a user can act on. Gatehouse's own errors pass
 * through; anything unexpected becomes `ERR_VERIFICATION_FAILED`, so a
 * verification failure is always a 401, never a 500.
 *
 * @example
 * ```ts
 * try { await jwtVerify(token, key, options) }
 * catch (err) { throw joseErrorToInvalidToken(err, { expectedIssuer, audience, clockToleranceSec: 30 }) }
 * ```
 */
export function joseErrorToInvalidToken(err: unknown, context: JoseErrorContext): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as JoseLikeError;
  const payload = e.payload ?? {};
  switch (e.code) {
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return new InvalidTokenError('ERR_JWT_MALFORMED', `Token is not a well-formed JWT: ${joseMessage(e)}`);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return invalidSignature();
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new InvalidTokenError('ERR_JOSE_ALG_NOT_ALLOWED', 'Token algorithm is not allowed');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return new InvalidTokenError('ERR_JWKS_NO_MATCHING_KEY', "No key in the issuer's JWKS matches the token");
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new InvalidTokenError('ERR_JWT_MALFORMED', `Token uses an unsupported JOSE feature: ${joseMessage(e)}`);
    case 'ERR_JWT_EXPIRED':
      return expired(payload.exp, context.clockToleranceSec);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claimFailure(e, payload, context);
    default:
      return new InvalidTokenError(
        'ERR_VERIFICATION_FAILED',
        `Token verification failed unexpectedly (${err instanceof Error ? err.name : typeof err}); see the server log`,
        { cause: err },
      );
  }
}

/**
 * The signature does not verify with any candidate key.
 *
 * @example
 * ```ts
 * throw invalidSignature();
 * ```
 */
export function invalidSignature(): InvalidTokenError {
  return new InvalidTokenError(
    'ERR_JWS_SIGNATURE_INVALID',
    "Token signature is invalid: it does not verify with the issuer's key (tampered token, or signed by another server)",
  );
}

function claimFailure(e: JoseLikeError, payload: Record<string, unknown>, context: JoseErrorContext): InvalidTokenError {
  const missing = e.reason === 'missing';
  switch (e.claim) {
    case 'iss':
      return issuerMismatch(context.expectedIssuer, payload.iss);
    case 'aud':
      return audienceMismatch(context.audience, payload.aud);
    case 'nbf':
      if (e.reason === 'check_failed') return notYetValid(payload.nbf, context.clockToleranceSec);
      break;
    case 'typ':
      return new InvalidTokenError(
        'ERR_JWT_TYPE_INVALID',
        'Token type (the "typ" header) is not "at+jwt": this server requires RFC 9068 JWT access tokens, ' +
          'and an ID token or another kind of JWT is not an access token',
      );
    case 'exp':
      if (missing) {
        return new InvalidTokenError('ERR_JWT_CLAIM_INVALID', 'Token has no "exp" claim; access tokens must expire');
      }
      break;
  }
  const what = missing ? `has no ${printable(e.claim)} claim` : `has an invalid ${printable(e.claim)} claim (${joseMessage(e)})`;
  return new InvalidTokenError('ERR_JWT_CLAIM_INVALID', `Token ${what}`);
}

function joseMessage(e: JoseLikeError): string {
  return typeof e.message === 'string' ? e.message : 'unknown reason';
}
