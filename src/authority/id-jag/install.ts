import type Provider from 'oidc-provider';
import type { AsymmetricSigningAlgorithm } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import type { StoreFactory } from '../stores/types.js';
import type { Telemetry } from '../../telemetry/types.js';
import { JWT_BEARER_GRANT, JWT_BEARER_PARAMETERS, idJagHandler } from './grant.js';
import { replayCache } from './replay.js';
import { configuredIdJagIssuers, trustedIssuers } from './trusted-issuers.js';

/** True for http: URLs on this machine (a local test IdP); any other issuer must use https:. */
function isLoopbackHttp(address: string): boolean {
  const url = new URL(address);
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * Problems with the ID-JAG settings that would otherwise be refusals at run
 * time, or worse: a configured client with the JWT bearer grant when no
 * enterprise IdP is trusted, a public one (anyone could redeem a leaked
 * ID-JAG in its name), an issuer that is not https: in production.
 *
 * @example
 * ```ts
 * idJagConfigProblems(config); // ['authority.clients: client "agent" has grant urn:ietf:params:oauth:grant-type:jwt-bearer but ...']
 * ```
 */
export function idJagConfigProblems(config: GatehouseConfig): string[] {
  const problems: string[] = [];
  const issuers = configuredIdJagIssuers(config);
  for (const client of config.authority.clients) {
    if (!client.grant_types?.includes(JWT_BEARER_GRANT)) continue;
    if (issuers.length === 0) {
      problems.push(`authority.clients: client "${client.client_id}" has grant ${JWT_BEARER_GRANT} but no enterprise IdP is trusted: set GATEHOUSE_ID_JAG_ISSUERS (authority.idJag.issuers)`);
    }
    const method = client.token_endpoint_auth_method ?? (client.client_secret ? 'client_secret_basic' : 'none');
    if (method === 'none') {
      problems.push(`authority.clients: client "${client.client_id}" has grant ${JWT_BEARER_GRANT} but is public (no client_secret or keys); only a client that authenticates may redeem ID-JAGs`);
    }
  }
  if (config.authority.env === 'production') {
    for (const { issuer, jwksUri } of issuers) {
      if (new URL(issuer).protocol !== 'https:' && !isLoopbackHttp(issuer)) problems.push(`authority.idJag.issuers: ${issuer} must use https: in production`);
      if (jwksUri !== undefined && new URL(jwksUri).protocol !== 'https:' && !isLoopbackHttp(jwksUri)) {
        problems.push(`authority.idJag.issuers: the jwksUri ${jwksUri} of ${issuer} must use https: in production (its keys decide who signs in)`);
      }
    }
  }
  return problems;
}

/** What {@link installIdJagGrant} leaves running. */
export interface InstalledIdJagGrant {
  /** Stops the IdPs' metadata refresh timers. */
  close(): void;
}

/**
 * Serves the JWT bearer grant for ID-JAGs at the token endpoint when an
 * enterprise IdP is trusted (`authority.idJag.issuers`): registers it (so it
 * is listed in `grant_types_supported`), with its replay cache in `store`.
 * Only configured clients with the grant may use it (the machine-grant
 * check, see registration/machine-clients.ts). Call before the configured
 * clients are first loaded.
 *
 * @example
 * ```ts
 * const idJag = installIdJagGrant(provider, config, store, 'RS256');
 * // on shutdown
 * idJag.close();
 * ```
 */
export function installIdJagGrant(
  provider: Provider,
  config: GatehouseConfig,
  store: Pick<StoreFactory, 'createIfAbsent'>,
  signingAlg: AsymmetricSigningAlgorithm,
  options: { fetch?: typeof fetch; telemetry?: Telemetry } = {},
): InstalledIdJagGrant {
  const problems = idJagConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(`Invalid Gatehouse config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  if (config.authority.idJag.issuers.length === 0) return { close() {} };
  const issuers = trustedIssuers(config, options);
  const handler = idJagHandler(provider, config, { issuers, replays: replayCache(store), signingAlg, telemetry: options.telemetry });
  provider.registerGrantType(JWT_BEARER_GRANT, handler, JWT_BEARER_PARAMETERS, ['resource']);
  return { close: () => issuers.close() };
}
