import type { GatehouseConfig } from '../../config/schema.js';
import type { IdJagIssuer } from '../../config/sections/id-jag.js';
import { idJagIssuerSchema } from '../../config/sections/id-jag.js';
import { JwksCache } from '../../discovery/jwks-cache.js';
import { UpstreamMetadata } from '../../discovery/upstream.js';

/**
 * The enterprise IdPs whose ID-JAGs are redeemed, each with its keys: found
 * by discovery (RFC 8414 / OpenID metadata, then `jwks_uri`) on first use,
 * cached, refreshed and rotated exactly as the gate does for its issuer
 * (the same `JwksCache` and `UpstreamMetadata`, with the `jwt.*` and
 * `discovery.*` timings), so a flood of ID-JAGs with made-up `kid`s costs
 * an IdP at most one request per cooldown.
 */

/** One trusted IdP, ready to verify with. */
export interface TrustedIssuer extends IdJagIssuer {
  readonly keys: JwksCache;
}

/** The trusted IdPs by exact issuer string. */
export interface TrustedIssuers {
  get(issuer: string): TrustedIssuer | undefined;
  readonly size: number;
  /** Stops the metadata refresh timers. */
  close(): void;
}

/**
 * The configured issuers with defaults filled in (a bare URL is `{ issuer }`).
 *
 * @example
 * ```ts
 * configuredIdJagIssuers(config); // [{ issuer: 'https://acme.okta.com', algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'] }]
 * ```
 */
export function configuredIdJagIssuers(config: GatehouseConfig): IdJagIssuer[] {
  return config.authority.idJag.issuers.map((entry) => idJagIssuerSchema.parse(typeof entry === 'string' ? { issuer: entry } : entry));
}

/**
 * Builds the key caches of the configured IdPs; nothing is fetched until an
 * ID-JAG of one arrives.
 *
 * @example
 * ```ts
 * const issuers = trustedIssuers(config);
 * const [key] = await issuers.get('https://acme.okta.com')!.keys.getKeys(header);
 * ```
 */
export function trustedIssuers(config: GatehouseConfig, options: { fetch?: typeof fetch } = {}): TrustedIssuers {
  const metadata: UpstreamMetadata[] = [];
  const byIssuer = new Map<string, TrustedIssuer>();
  for (const settings of configuredIdJagIssuers(config)) {
    const { jwksUri } = settings;
    let upstream: UpstreamMetadata | undefined;
    if (jwksUri === undefined) {
      upstream = new UpstreamMetadata({ issuer: settings.issuer, refreshIntervalSec: config.discovery.refreshIntervalSec, timeoutMs: config.discovery.timeoutMs, fetch: options.fetch });
      metadata.push(upstream);
    }
    const keys = new JwksCache({
      jwksUri: jwksUri !== undefined ? () => jwksUri : () => jwksUriFromMetadata(upstream!),
      maxAgeSec: config.jwt.jwksMaxAgeSec,
      cooldownSec: config.jwt.jwksCooldownSec,
      timeoutMs: config.discovery.timeoutMs,
      fetch: options.fetch,
    });
    byIssuer.set(settings.issuer, { ...settings, keys });
  }
  return {
    get: (issuer) => byIssuer.get(issuer),
    size: byIssuer.size,
    close() {
      for (const upstream of metadata) upstream.close();
    },
  };
}

async function jwksUriFromMetadata(upstream: UpstreamMetadata): Promise<string> {
  const { jwks_uri: jwksUri } = await upstream.load();
  if (typeof jwksUri !== 'string' || jwksUri === '') throw new Error(`the metadata of ${upstream.issuer} names no jwks_uri`);
  return jwksUri;
}
