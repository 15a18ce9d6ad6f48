/**
 * On-behalf-of calls: tool handlers trade the caller's token for one meant
 * for a downstream API (RFC 8693 token exchange, or Entra ID's on-behalf-of
 * flow). Web-standard: runs wherever the gate runs.
 *
 * @example
 * ```ts
 * import { createTokenExchange } from 'mcp-gatehouse/exchange';
 *
 * const tokens = createTokenExchange({ issuer, clientId: 'mcp-server', clientSecret });
 * const token = await tokens.tokenFor(extra.authInfo, { audience: 'https://api.example.com', scope: 'orders:read' });
 * ```
 *
 * @packageDocumentation
 */
export { createTokenExchange } from './create-token-exchange.js';
export { tokenExchangeFromConfig } from './from-config.js';
export { TokenExchangeError } from '../errors.js';
export {
  TOKEN_EXCHANGE_GRANT,
  JWT_BEARER_GRANT,
  ACCESS_TOKEN_TYPE,
  JWT_TOKEN_TYPE,
  type ClientAuthMethod,
  type ExchangeVariant,
  type PrivateKeyJwtOptions,
  type TokenExchangeOptions,
  type ExchangeRequest,
  type SubjectToken,
  type ExchangedToken,
  type TokenExchangeStats,
  type TokenExchange,
} from './types.js';
