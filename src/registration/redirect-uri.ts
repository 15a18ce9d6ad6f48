import { isLoopbackRedirectHost } from '../http/loopback.js';

/**
 * Which redirect URIs a client may register (OAuth 2.1 §2.3.1, RFC 8252 for
 * native apps, MCP: "localhost or HTTPS"). Checked at registration, not only
 * at authorization: with one pre-registered upstream client shared by every
 * MCP client, registration is where a malicious redirect must be stopped.
 */

/** Schemes that run or embed content instead of reaching a client: never allowed, whatever the config says. */
const FORBIDDEN_SCHEMES = new Set(['javascript', 'data', 'file', 'vbscript', 'blob', 'about', 'filesystem', 'view-source']);
const MAX_LENGTH = 2048;

export type RedirectUriCheck = { ok: true } | { ok: false; reason: string };

export interface RedirectUriOptions {
  /** Custom schemes of native apps (`cursor`, `vscode`...), lower case, without `:`. */
  customSchemes: readonly string[];
}

function hasWhitespaceOrControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f || (code > 0x7f && /\s/.test(value[i]!))) return true;
  }
  return false;
}

function refuse(reason: string): RedirectUriCheck {
  return { ok: false, reason };
}

/**
 * Checks one redirect URI: `https:` on any host; `http:` only on loopback
 * (`127.0.0.1`, `[::1]`, `localhost`, any port); a configured custom scheme;
 * never `javascript:`/`data:`/`file:`/`vbscript:`, a fragment, credentials,
 * whitespace, or anything that is not an absolute URL.
 *
 * @example
 * ```ts
 * checkRedirectUri('https://claude.ai/api/mcp/auth_callback', { customSchemes: [] }); // { ok: true }
 * checkRedirectUri('http://evil.example/cb', { customSchemes: [] });
 * // { ok: false, reason: 'http: is only allowed on loopback (127.0.0.1, [::1], localhost); use https:' }
 * ```
 */
export function checkRedirectUri(uri: string, options: RedirectUriOptions): RedirectUriCheck {
  if (uri.length > MAX_LENGTH) return refuse(`it is longer than ${MAX_LENGTH} characters`);
  // The URL parser silently drops tabs and newlines ("java\tscript:"): refuse them before it sees them.
  if (hasWhitespaceOrControl(uri)) return refuse('it contains whitespace or control characters');
  if (uri.includes('#')) return refuse('it has a fragment (#), which redirect URIs must not have');
  if (!URL.canParse(uri)) return refuse('it is not an absolute URL');

  const url = new URL(uri);
  const scheme = url.protocol.slice(0, -1);
  if (FORBIDDEN_SCHEMES.has(scheme)) return refuse(`the ${scheme}: scheme is never allowed`);
  if (url.username !== '' || url.password !== '') return refuse('it contains credentials (user:password@)');

  if (scheme === 'https') {
    return url.hostname === '' ? refuse('it has no host') : { ok: true };
  }
  if (scheme === 'http') {
    return isLoopbackRedirectHost(url.hostname)
      ? { ok: true }
      : refuse('http: is only allowed on loopback (127.0.0.1, [::1], localhost); use https:');
  }
  if (options.customSchemes.includes(scheme)) return { ok: true };
  return refuse(`the ${scheme}: scheme is not allowed; allowed are https:, loopback http: and ${options.customSchemes.length ? options.customSchemes.map((s) => `${s}:`).join(', ') : 'no custom schemes'}`);
}
