import { InvalidRequestError, InvalidTokenError, MissingTokenError } from '../errors.js';
import type { GateRequest } from '../types.js';

/** RFC 6750 §2.1 `b64token` (token68): what a bearer credential may look like. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

const BEARER = 'bearer';

/** The last token that matched TOKEN68: whether a string does is a property of the string alone. */
let lastWellFormed = '';

/** The scheme name "bearer" in any case, read by character: no lower-cased copy of the header's start per request. */
function startsWithBearer(header: string): boolean {
  for (let i = 0; i < 6; i++) {
    // | 0x20 folds A-Z onto a-z; no other character of a header folds onto a letter of "bearer".
    if ((header.charCodeAt(i) | 0x20) !== BEARER.charCodeAt(i)) return false;
  }
  return true;
}

/** "Bearer <token>" with one space and nothing around: the token without a regex over the whole header. */
function simpleBearer(header: string): string | undefined {
  if (header.length < 8 || header.charCodeAt(6) !== 0x20 || !startsWithBearer(header)) return undefined;
  const first = header.charCodeAt(7);
  const last = header.charCodeAt(header.length - 1);
  // \s covers more than these, but a token68 character is never whitespace: anything else takes the full parse.
  return first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f ? header.slice(7) : undefined;
}

/** The general case: any whitespace around and between scheme and token. */
function bearerOf(header: string): string {
  const match = /^\s*(\S+)(?:\s+(.*))?$/s.exec(header);
  const scheme = match?.[1] ?? '';
  if (scheme.toLowerCase() !== 'bearer') throw new MissingTokenError('The Authorization header does not use the Bearer scheme');
  return (match?.[2] ?? '').trim();
}

/**
 * Reads the bearer token of a request (RFC 6750 §2.1), refusing every other
 * way of sending one.
 *
 * - no `Authorization` header, or another scheme (`Basic ...`) →
 *   `MissingTokenError` (a challenge without an error code starts the OAuth flow);
 * - several `Authorization` headers (joined with `, ` by `Headers`) →
 *   `InvalidRequestError` `ERR_AUTHORIZATION_HEADER_DUPLICATE`;
 * - `access_token` in the query string → `InvalidRequestError`
 *   `ERR_TOKEN_IN_QUERY` (MCP forbids tokens in URIs: they end in logs);
 * - `Bearer` with nothing or no token68 after it → `InvalidTokenError`
 *   `ERR_AUTHORIZATION_HEADER_INVALID`;
 * - a token longer than `maxTokenBytes` → `InvalidTokenError` `ERR_TOKEN_TOO_LARGE`,
 *   before anything parses it.
 *
 * @example
 * ```ts
 * const token = extractBearerToken(request, { maxTokenBytes: 16_384 });
 * ```
 */
export function extractBearerToken(request: GateRequest, options: { maxTokenBytes: number }): string {
  if (request.url.includes('access_token') && new URL(request.url).searchParams.has('access_token')) {
    throw new InvalidRequestError(
      'ERR_TOKEN_IN_QUERY',
      'Access tokens are not accepted in the query string; send them in the Authorization header as "Bearer <token>"',
    );
  }

  const header = request.headers.get('authorization');
  if (header === null || header.trim() === '') throw new MissingTokenError();

  // No token68 contains a comma, so a comma means several headers were joined.
  if (header.includes(',')) {
    throw new InvalidRequestError('ERR_AUTHORIZATION_HEADER_DUPLICATE', 'Send exactly one Authorization header');
  }

  const token = simpleBearer(header) ?? bearerOf(header);
  if (token === '') {
    throw new InvalidTokenError('ERR_AUTHORIZATION_HEADER_INVALID', 'The Authorization header has the Bearer scheme but no token');
  }
  if (token.length > options.maxTokenBytes) {
    throw new InvalidTokenError('ERR_TOKEN_TOO_LARGE', `The token is larger than ${options.maxTokenBytes} bytes`);
  }
  // A session sends the same token on every request: comparing it with the last one that passed (early exit on the
  // first differing character, else a memcmp) costs less than running the regex over a kilobyte again.
  if (token !== lastWellFormed) {
    if (!TOKEN68.test(token)) {
      throw new InvalidTokenError(
        'ERR_AUTHORIZATION_HEADER_INVALID',
        'The Authorization header is malformed: expected "Bearer <token>" with a single token of base64url characters',
      );
    }
    lastWellFormed = token;
  }
  return token;
}
