import { decodeJwt } from 'jose';
import { TokenExchangeError } from '../errors.js';
import { ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE, type ExchangedToken } from './types.js';

/**
 * Reads the token endpoint's answer: a usable bearer token for the
 * downstream API, or a `TokenExchangeError` with the server's own `error`
 * and `error_description`. Nothing from the request (subject token, client
 * secret) ever reaches a message.
 */

const USABLE_TOKEN_TYPES = new Set([ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE]);
const OAUTH_ERROR_CODE = /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,100}$/;

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Removes a secret a careless server might echo, and bounds the length. */
function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

/** `expires_in`, or the `exp` of a JWT access token when the server left `expires_in` out. */
function lifetimeOf(body: Record<string, unknown>, accessToken: string, nowSec: number): number | undefined {
  const expiresIn = typeof body.expires_in === 'string' ? Number(body.expires_in) : body.expires_in;
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0) return Math.floor(expiresIn);
  try {
    const { exp } = decodeJwt(accessToken);
    return typeof exp === 'number' && exp > nowSec ? exp - nowSec : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Turns the token endpoint's status and body into the exchanged token.
 *
 * @throws TokenExchangeError `ERR_TOKEN_EXCHANGE_REFUSED` for an OAuth error
 *   answer, `ERR_TOKEN_EXCHANGE_FAILED` for anything else unusable, including
 *   the subject token handed back unchanged.
 *
 * @example
 * ```ts
 * const token = readTokenResponse(response.status, await response.text(), { endpoint, subjectToken, secrets: [secret] });
 * ```
 */
export function readTokenResponse(
  status: number,
  text: string,
  context: { endpoint: string; subjectToken: string; secrets: readonly string[] },
): ExchangedToken {
  const body = parseJson(text);
  const secrets = [context.subjectToken, ...context.secrets];
  const at = `Token exchange at ${context.endpoint}`;
  if (status !== 200) {
    const error = isJsonObject(body) && typeof body.error === 'string' && OAUTH_ERROR_CODE.test(body.error) ? body.error : undefined;
    const description = isJsonObject(body) && typeof body.error_description === 'string' ? scrub(body.error_description, secrets) : undefined;
    if (error && status >= 400 && status < 500) {
      throw new TokenExchangeError('ERR_TOKEN_EXCHANGE_REFUSED', `${at} was refused: ${error}${description ? ` (${description})` : ''}`, {
        status,
        error,
        error_description: description,
      });
    }
    throw new TokenExchangeError('ERR_TOKEN_EXCHANGE_FAILED', `${at} failed: HTTP ${status}${error ? ` ${error}` : ''}${description ? ` (${description})` : ''}`, {
      status,
      error,
      error_description: description,
    });
  }
  const fail = (why: string) => new TokenExchangeError('ERR_TOKEN_EXCHANGE_FAILED', `${at} failed: ${why}`, { status });
  if (!isJsonObject(body)) throw fail('the answer is not a JSON object');
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') throw fail('the answer has no access_token');
  // The one rule of on-behalf-of calls: the client's token never goes to the downstream API.
  if (accessToken === context.subjectToken) throw fail('the authorization server returned the subject token itself; it is never passed through');
  const tokenType = typeof body.token_type === 'string' ? body.token_type : '';
  if (!/^(bearer|n_a)$/i.test(tokenType)) throw fail(`token_type is ${JSON.stringify(scrub(tokenType, secrets))}, not Bearer`);
  const issuedTokenType = typeof body.issued_token_type === 'string' ? body.issued_token_type : undefined;
  if (issuedTokenType !== undefined && !USABLE_TOKEN_TYPES.has(issuedTokenType)) {
    throw fail(`issued_token_type is ${JSON.stringify(scrub(issuedTokenType, secrets))}, not an access token`);
  }
  const nowSec = Math.floor(Date.now() / 1000);
  const expiresIn = lifetimeOf(body, accessToken, nowSec);
  return {
    accessToken,
    tokenType: 'Bearer',
    ...(issuedTokenType !== undefined ? { issuedTokenType } : {}),
    ...(typeof body.scope === 'string' ? { scope: body.scope } : {}),
    ...(expiresIn !== undefined ? { expiresIn, expiresAt: nowSec + expiresIn } : {}),
  };
}
