import { DiscoveryError } from '../errors.js';
import { describeFetchFailure, fetchText, isJsonObject, parseJson } from './http.js';
import { metadataUrls } from './metadata-urls.js';
import type { AuthorizationServerMetadata } from './types.js';

/** Options of `fetchIssuerMetadata`. */
export interface FetchIssuerMetadataOptions {
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** Milliseconds before each URL is abandoned. Default 5000. */
  timeoutMs?: number;
}

/** The metadata found, where it came from, and anything worth telling the operator. */
export interface FetchedIssuerMetadata {
  metadata: AuthorizationServerMetadata;
  /** The well-known URL that answered. */
  url: string;
  /**
   * Harmless surprises, e.g. the metadata's `issuer` differs from the
   * configured one by a trailing slash. Tokens are then checked against the
   * metadata's exact string, which is what the provider puts in `iss`.
   */
  warnings: string[];
}

/** What one well-known URL returned, for the error message. */
interface Attempt {
  url: string;
  outcome: string;
}

const withoutTrailingSlash = (value: string) => (value.endsWith('/') ? value.slice(0, -1) : value);

/**
 * Fetches an issuer's metadata from the well-known URLs MCP clients use, in
 * their order, and returns the first JSON object served with status 200.
 *
 * The document's `issuer` must be the configured issuer. A difference of only a
 * trailing slash is accepted and reported in `warnings` (the JWT `iss` check
 * then uses the document's exact string); any other difference throws, since
 * MCP clients reject such metadata too.
 *
 * @throws DiscoveryError when no URL answers with metadata; the message names
 *   every URL tried and what it returned.
 *
 * @example
 * ```ts
 * const { metadata, url } = await fetchIssuerMetadata('https://idp.example.com/realms/main', { timeoutMs: 5000 });
 * metadata.jwks_uri; // 'https://idp.example.com/realms/main/protocol/openid-connect/certs'
 * ```
 */
export async function fetchIssuerMetadata(issuer: string, options: FetchIssuerMetadataOptions = {}): Promise<FetchedIssuerMetadata> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const urls = metadataUrls(issuer);
  const attempts: Attempt[] = [];

  for (const url of urls) {
    const result = await tryUrl(url, { fetch: options.fetch, timeoutMs });
    if (typeof result === 'string') {
      attempts.push({ url, outcome: result });
      continue;
    }
    return checkIssuer(issuer, url, result, urls.slice(0, attempts.length + 1));
  }

  const tried = attempts.map((a) => `  - ${a.url}: ${a.outcome}`).join('\n');
  throw new DiscoveryError(
    `Failed to fetch OIDC discovery document for ${issuer}. Tried:\n${tried}\n` +
      'Check that OAUTH_ISSUER_URL is the issuer URL exactly as your identity provider publishes it, and that it is reachable from this server.',
    urls,
  );
}

/** Fetches one URL; returns the metadata object, or a phrase saying why not. */
async function tryUrl(url: string, options: { fetch?: typeof fetch; timeoutMs: number }): Promise<AuthorizationServerMetadata | string> {
  let status: number;
  let body: string;
  try {
    const result = await fetchText(url, { headers: { accept: 'application/json' } }, options);
    status = result.response.status;
    body = result.body;
  } catch (err) {
    return describeFetchFailure(err, options.timeoutMs);
  }
  if (status !== 200) return `HTTP ${status}`;
  const json = parseJson(body);
  if (json === undefined) return 'HTTP 200 but not JSON';
  if (!isJsonObject(json)) return 'HTTP 200 but the JSON is not an object';
  if (json.issuer !== undefined && typeof json.issuer !== 'string') return 'HTTP 200 but "issuer" is not a string';
  return json as AuthorizationServerMetadata;
}

function checkIssuer(issuer: string, url: string, metadata: AuthorizationServerMetadata, tried: string[]): FetchedIssuerMetadata {
  const warnings: string[] = [];
  const published = metadata.issuer;
  if (published === undefined) {
    warnings.push(`The metadata at ${url} has no "issuer"; tokens are checked against the configured issuer ${issuer}.`);
  } else if (published !== issuer) {
    if (withoutTrailingSlash(published) !== withoutTrailingSlash(issuer)) {
      throw new DiscoveryError(
        `Issuer mismatch for ${issuer}: the discovery document at ${url} names a different issuer, "${published}". ` +
          'MCP clients reject such metadata. Set OAUTH_ISSUER_URL to the issuer your identity provider publishes ' +
          `(e.g. "${published}") if that is the right server.`,
        tried,
      );
    }
    warnings.push(
      `The configured issuer ${issuer} and the issuer in ${url} ("${published}") differ by a trailing slash; ` +
        `token "iss" claims are checked against "${published}". Set OAUTH_ISSUER_URL to exactly "${published}" to silence this.`,
    );
  }
  return { metadata, url, warnings };
}
