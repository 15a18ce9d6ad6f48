import { corsHeaders } from '../http/cors.js';
import { InsufficientScopeError, TemporarilyUnavailableError, type OAuthError } from '../errors.js';

/**
 * `WWW-Authenticate` challenges (RFC 6750 §3, RFC 9728 §5.1) and the
 * responses that carry them.
 *
 * Quoted values are cleaned rather than escaped: RFC 6750 allows neither `"`
 * nor `\` in `error_description`, and several clients parse the header with a
 * regex that stops at the first `"`.
 */

/** Never asked for in a challenge: it is the client's business (MCP 2026-07-28). */
const NOT_CHALLENGED = new Set(['offline_access']);

/** RFC 6750 `error_description` charset: %x20-21 / %x23-5B / %x5D-7E. */
function quotable(value: string, maxLength = 400): string {
  const clean = value
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7E]/g, '?');
  return clean.length > maxLength ? `${clean.slice(0, maxLength - 3)}...` : clean;
}

/**
 * The scopes to name in a challenge: de-duplicated, in order, without
 * `offline_access` or anything that is not a valid scope token.
 *
 * @example
 * ```ts
 * challengeScopes(['files:read', 'offline_access', 'files:read']); // ['files:read']
 * ```
 */
export function challengeScopes(scopes: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const scope of scopes) {
    if (!NOT_CHALLENGED.has(scope) && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) out.add(scope);
  }
  return [...out];
}

export interface ChallengeOptions {
  /** Absolute URL of the protected-resource metadata. */
  resourceMetadata: string;
  /** Scopes the request needs; ignored for `insufficient_scope`, which carries its own. */
  scopes?: string[];
  /** The failure; omitted (or a missing token) gives a challenge without `error`. */
  error?: OAuthError;
}

/**
 * Builds the `WWW-Authenticate` header value.
 *
 * @example
 * ```ts
 * buildChallenge({ resourceMetadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp', scopes: ['mcp'] });
 * // 'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp"'
 * ```
 */
export function buildChallenge(options: ChallengeOptions): string {
  const { error } = options;
  const params: [string, string][] = [['resource_metadata', options.resourceMetadata]];
  const scopes = challengeScopes(error instanceof InsufficientScopeError ? error.scopes : (options.scopes ?? []));
  if (scopes.length > 0) params.push(['scope', scopes.join(' ')]);
  if (error && error.error !== '') {
    params.push(['error', error.error]);
    params.push(['error_description', error.error_description]);
  }
  return `Bearer ${params.map(([name, value]) => `${name}="${quotable(value, name === 'error_description' ? 400 : 4096)}"`).join(', ')}`;
}

/**
 * The response for a request the gate refuses: 401, 403 or 400 with the
 * challenge, a JSON body, `Cache-Control: no-store` and CORS (so a browser
 * client can read `WWW-Authenticate`).
 *
 * @example
 * ```ts
 * return challengeResponse(new MissingTokenError(), { resourceMetadata, scopes: config.scopes.required });
 * ```
 */
export function challengeResponse(error: OAuthError, options: Omit<ChallengeOptions, 'error'>): Response {
  const body = {
    error: error.error === '' ? 'unauthorized' : error.error,
    error_description: error.error_description,
  };
  if (error instanceof TemporarilyUnavailableError) {
    // No challenge: the token may be fine, and a client told to authenticate would start a sign-in that cannot work now.
    return new Response(JSON.stringify(body), {
      status: error.status,
      headers: { ...corsHeaders(), 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Retry-After': String(error.retryAfterSec) },
    });
  }
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: {
      ...corsHeaders(),
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'WWW-Authenticate': buildChallenge({ ...options, error }),
    },
  });
}
