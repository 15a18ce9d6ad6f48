import type Provider from 'oidc-provider';
import { isLoopbackRedirectHost } from '../../http/loopback.js';

/**
 * Redirect URI matching at authorization: exact string comparison, except
 * loopback `http:` redirects, whose port may differ (RFC 8252 §7.3): native
 * apps listen on whatever port is free. VS Code falls back to a random port
 * when 33418 is busy; Claude Code's metadata document lists port-less
 * loopback URIs. Each loopback host is its own host: a client registered
 * with `127.0.0.1` cannot be sent to `localhost`, whose name may resolve
 * elsewhere. oidc-provider allows any port only for `native` clients and
 * compares the rest as strings; this applies to every client, and the
 * request's URI must be written canonically, so no unusual spelling (dot
 * segments, `:80`, upper case) can slip past a string comparison.
 */

interface LoopbackRedirect {
  host: string;
  pathAndQuery: string;
}

function loopbackRedirect(uri: string, requireCanonical: boolean): LoopbackRedirect | undefined {
  if (uri.includes('#') || uri.includes('\\')) return undefined;
  const url = URL.parse(uri);
  if (!url || url.protocol !== 'http:' || !isLoopbackRedirectHost(url.hostname)) return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  // `http://127.0.0.1:5000` and `http://127.0.0.1:5000/` are the same address; other rewrites are not accepted.
  if (requireCanonical && url.href !== uri && !(url.pathname === '/' && url.search === '' && url.href.slice(0, -1) === uri)) return undefined;
  return { host: url.hostname, pathAndQuery: `${url.pathname}${url.search}` };
}

/**
 * Whether a requested redirect URI matches a registered one.
 *
 * @example
 * ```ts
 * redirectUriMatches('http://127.0.0.1:51234/callback', 'http://127.0.0.1/callback'); // true
 * redirectUriMatches('http://localhost:51234/callback', 'http://127.0.0.1/callback'); // false
 * redirectUriMatches('https://claude.ai/api/mcp/auth_callback', 'https://claude.ai/api/mcp/auth_callback'); // true
 * ```
 */
export function redirectUriMatches(requested: string, registered: string): boolean {
  if (requested === registered) return true;
  const asked = loopbackRedirect(requested, true);
  if (!asked) return false;
  const known = loopbackRedirect(registered, false);
  return known !== undefined && known.host === asked.host && known.pathAndQuery === asked.pathAndQuery;
}

function matchesAny(requested: unknown, registered: readonly string[] | undefined): boolean {
  if (typeof requested !== 'string' || !registered) return false;
  return registered.some((uri) => redirectUriMatches(requested, uri));
}

/**
 * Replaces oidc-provider's `redirectUriAllowed` and
 * `postLogoutRedirectUriAllowed` with {@link redirectUriMatches} for every
 * client of this provider (its `Client` class is per provider).
 *
 * @example
 * ```ts
 * installRedirectMatching(provider);
 * ```
 */
export function installRedirectMatching(provider: Provider): void {
  const prototype = provider.Client.prototype;
  prototype.redirectUriAllowed = function redirectUriAllowed(value: string): boolean {
    return matchesAny(value, this.redirectUris);
  };
  prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value: string): boolean {
    return matchesAny(value, this.postLogoutRedirectUris);
  };
}
