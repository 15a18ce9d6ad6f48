import type { GatehouseConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { createTokenExchange } from './create-token-exchange.js';
import type { TokenExchange, TokenExchangeOptions } from './types.js';

/**
 * The token-exchange client described by the config's `exchange` section
 * (env `OAUTH_EXCHANGE_*`). Its token endpoint comes from `exchange.tokenEndpoint`,
 * else from the metadata of `exchange.issuer`, else of the gate's issuer
 * (in authority mode: Gatehouse's own authorization server).
 *
 * @example
 * ```ts
 * const config = resolveConfig(configFromEnv(process.env)); // OAUTH_EXCHANGE_CLIENT_ID, OAUTH_EXCHANGE_CLIENT_SECRET...
 * const tokens = tokenExchangeFromConfig(config);
 * ```
 */
export function tokenExchangeFromConfig(config: GatehouseConfig, options: Pick<TokenExchangeOptions, 'fetch' | 'subjectFrom'> = {}): TokenExchange {
  const exchange = config.exchange;
  if (!exchange) {
    throw new ConfigError('Invalid Gatehouse config:\n  - exchange is not set: set OAUTH_EXCHANGE_CLIENT_ID and OAUTH_EXCHANGE_CLIENT_SECRET (the MCP server\'s own client) to make on-behalf-of calls');
  }
  return createTokenExchange({
    variant: exchange.variant,
    ...(exchange.tokenEndpoint ? { tokenEndpoint: exchange.tokenEndpoint } : { issuer: exchange.issuer ?? config.issuer }),
    clientId: exchange.clientId,
    clientSecret: exchange.clientSecret,
    authMethod: exchange.authMethod,
    ...(exchange.privateKey
      ? {
          privateKeyJwt: {
            key: exchange.privateKey,
            alg: exchange.privateKeyAlg,
            kid: exchange.privateKeyId,
            ...(exchange.certificateThumbprint ? { header: { x5t: exchange.certificateThumbprint } } : {}),
          },
        }
      : {}),
    timeoutMs: exchange.timeoutMs,
    cache: { maxEntries: exchange.cacheMaxEntries, refreshSkewSec: exchange.refreshSkewSec },
    fetch: options.fetch,
    ...(options.subjectFrom ? { subjectFrom: options.subjectFrom } : {}),
  });
}
