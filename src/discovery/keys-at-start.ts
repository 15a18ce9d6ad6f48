import { DiscoveryError } from '../errors.js';
import type { JwksCache } from './jwks-cache.js';

/**
 * The start-up check of the issuer's signing keys. Discovery can succeed while
 * the JWKS endpoint is down or serves garbage; without this check the server
 * would say it is ready and then refuse every token, so the operator would
 * learn of it from the first user instead of at deploy time.
 */

/**
 * Throws unless the cache holds keys, naming the URL, what went wrong, and
 * the fix. Call after `jwks.reload()`.
 *
 * @throws DiscoveryError "Failed to fetch JWKS from <url>: <what happened>. ..."
 *
 * @example
 * ```ts
 * await jwks.reload();
 * assertKeysLoaded(jwks); // throws on HTTP 500, non-JSON or an empty key set
 * ```
 */
export function assertKeysLoaded(jwks: JwksCache): void {
  if (jwks.jwks) return;
  const uri = jwks.lastUri;
  throw new DiscoveryError(
    `Failed to fetch JWKS${uri ? ` from ${uri}` : ''}: ${jwks.lastFailure ?? 'no keys were fetched'}.\n` +
      "Check that the issuer's jwks_uri (or OAUTH_JWKS_URL, when set) is reachable from this server and serves the issuer's " +
      'signing keys as a JSON Web Key Set. To start anyway and wait for the keys (/readyz answers 503 until they load), ' +
      'set discovery.lazyStart to true.',
    uri ? [uri] : [],
  );
}
