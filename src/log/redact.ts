/**
 * Keeps tokens and secrets out of logs and printed config. Two nets: fields
 * whose name says they hold a secret lose their value whatever it is, and
 * any string anywhere has token-shaped parts replaced (JWTs, `Bearer ...`
 * credentials, passwords in URLs, secret query parameters, long random
 * strings). Both run on every log record, so a token pasted into an error
 * message is caught as well as one in a header.
 */

import { CREDENTIAL_NAMES, isSecretName } from '../config/secret-names.js';

export { isSecretName };

/** What replaces a secret. */
export const REDACTED = '[redacted]';

/**
 * Identifiers that are often long random strings yet no secret (a DCR
 * `client_id`, a subject, a request id): spared the long-random-string
 * rule, still checked for JWTs, credentials and URL passwords.
 */
const IDENTIFIER_NAMES = new Set(['clientid', 'client_id', 'subject', 'sub', 'requestid', 'request_id', 'kid', 'jti', 'iss', 'aud', 'grantid', 'uid']);

const JWT = /\beyJ[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*){1,4}/g;
const AUTH_SCHEME = /\b(Bearer|Basic|DPoP)\s+[A-Za-z0-9._~+/=-]+/gi;
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s/?#@]+@/gi;
const SECRET_PARAM = /([?&#](?:access_token|refresh_token|id_token|token|code|client_secret|password|assertion|client_assertion|subject_token)=)[^&#\s"']+/gi;
const OPAQUE = /[A-Za-z0-9_-]{32,}/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Random strings (opaque tokens, codes, secrets) mix letters and digits; words and hex ids of UUIDs do not count. */
function looksRandom(candidate: string): boolean {
  if (UUID.test(candidate)) return false;
  return /[0-9]/.test(candidate) && /[A-Za-z]/.test(candidate);
}

/**
 * Replaces every token-shaped part of a string.
 *
 * @example
 * ```ts
 * redactString('Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig'); // 'Authorization: Bearer [redacted]'
 * redactString('redis://app:hunter2@cache:6379'); // 'redis://app:[redacted]@cache:6379'
 * ```
 */
export function redactString(text: string): string {
  const structured = redactStructured(text);
  // OPAQUE needs 32 characters in a row: a shorter string (most fields of a record) cannot hold one.
  return structured.length < 32 ? structured : structured.replace(OPAQUE, (candidate) => (looksRandom(candidate) ? REDACTED : candidate));
}

/**
 * Every structured rule needs one of these: whitespace after an auth
 * scheme, the dot of a JWT, the colon of a URL, the equals sign of a query
 * parameter. A string with none is left as it is without running the four
 * replacements (a log record has a dozen such strings: method, path, ids).
 */
const STRUCTURE_NEEDS = /[\s.:=]/;

/** The rules that recognise a secret by its shape around it, not by its randomness. */
function redactStructured(text: string): string {
  if (!STRUCTURE_NEEDS.test(text)) return text;
  return text
    .replace(AUTH_SCHEME, (_whole, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(URL_PASSWORD, (_whole, head: string) => `${head}:${REDACTED}@`)
    .replace(SECRET_PARAM, (_whole, name: string) => `${name}${REDACTED}`);
}

/**
 * A deep copy of `value` safe to print: secret-named fields replaced by
 * `[redacted]` (credential headers such as `authorization` and `cookie`
 * left out entirely), every string passed through {@link redactString},
 * errors reduced to name, code and message.
 *
 * @example
 * ```ts
 * redact({ headers: { authorization: 'Bearer abc' }, clientSecret: 's3cr3t', path: '/mcp' });
 * // { headers: {}, clientSecret: '[redacted]', path: '/mcp' }
 * ```
 */
export function redact<T>(value: T): T {
  return redactValue(value, new WeakSet()) as T;
}

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof URL) return redactString(value.href);
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) return redactError(value, seen);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (CREDENTIAL_NAMES.has(key.toLowerCase())) continue;
    if (isSecretName(key) && item !== undefined && item !== null && item !== '') out[key] = REDACTED;
    else if (typeof item === 'string' && IDENTIFIER_NAMES.has(key.toLowerCase())) out[key] = redactStructured(item);
    else out[key] = redactValue(item, seen);
  }
  return out;
}

function redactError(err: Error, seen: WeakSet<object>): Record<string, unknown> {
  const code = (err as { code?: unknown }).code;
  const out: Record<string, unknown> = { name: err.name, message: redactString(err.message) };
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (err.cause !== undefined) out.cause = redactValue(err.cause, seen);
  return out;
}
