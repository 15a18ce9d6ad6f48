import type { Configuration } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { outgoingFetch, type FetchHook } from './outgoing-fetch.js';

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document):
 * a `client_id` that is an HTTPS URL names a JSON document describing the
 * client, so clients such as Claude and Claude Code need no registration.
 * oidc-provider 9.13 resolves them itself: it fetches the URL (redirects
 * refused, the document's `client_id` must equal the URL, no shared-secret
 * authentication), caches the document in an LRU of 100 entries for its
 * `Cache-Control`/`Expires` lifetime bounded by `cacheDuration`, and builds
 * the client through the same metadata validation as any other, so
 * Gatehouse's redirect URI rules apply (see `clientMetadataRules`).
 */

/** The draft version oidc-provider 9.13 implements; it refuses to start on a mismatch. */
export const CIMD_DRAFT_ACK = 'draft-02';

/** Bounds, in seconds, on how long a fetched document is reused. */
const CACHE_DURATION = { min: 60, max: 86_400 };

/**
 * The CIMD part of the configuration: the feature, the body size limit and
 * the `fetch` hook with the configured timeout and SSRF policy.
 *
 * @example
 * ```ts
 * new Provider(issuer, { ...cimdConfiguration(config) });
 * ```
 */
export function cimdConfiguration(config: GatehouseConfig, options: { fetch?: FetchHook } = {}): Pick<Configuration, 'fetch' | 'fetchResponseBodyLimits'> & { features: Pick<NonNullable<Configuration['features']>, 'clientIdMetadataDocument'> } {
  const { enabled, maxBytes } = config.authority.cimd;
  return {
    features: {
      clientIdMetadataDocument: enabled ? { enabled: true, ack: CIMD_DRAFT_ACK, cacheDuration: CACHE_DURATION } : { enabled: false },
    },
    fetchResponseBodyLimits: { 'client_id metadata document': maxBytes },
    fetch: outgoingFetch(config, options.fetch),
  };
}
