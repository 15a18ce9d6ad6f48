export type { AuthorizationServerMetadata } from './types.js';
export { metadataUrls } from './metadata-urls.js';
export { fetchIssuerMetadata, type FetchIssuerMetadataOptions, type FetchedIssuerMetadata } from './fetch-metadata.js';
export { UpstreamMetadata, type UpstreamMetadataOptions } from './upstream.js';
export { JwksCache, type JwksCacheOptions, type JwksCacheCounters } from './jwks-cache.js';
