import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { authorityRoutes } from '../provider/routes.js';
import { ConfigError } from '../../errors.js';
import { TOKEN_EXCHANGE_GRANT } from '../../exchange/types.js';
import type { AuthorityKeys } from '../keys/index.js';
import type { LiveGrantOptions } from '../live-grants.js';
import { TOKEN_EXCHANGE_PARAMETERS, TOKEN_EXCHANGE_REPEATABLE, tokenExchangeHandler } from './grant.js';
import { exchangedTokenSigner } from './issue-token.js';
import { subjectTokenVerifier } from './subject-token.js';

/** oidc-provider's words when a client's `grant_types` lack the grant it asked for. */
const GRANT_NOT_ALLOWED = 'requested grant type is not allowed for this client';

/**
 * Problems with the token-exchange settings that would otherwise show up
 * as refusals at run time: a policy naming a configured client that lacks
 * the grant, or a public one (it has no credentials to act with).
 *
 * @example
 * ```ts
 * tokenExchangeConfigProblems(config); // ['policy for client "mcp-server": its grant_types lack urn:ietf:params:oauth:grant-type:token-exchange']
 * ```
 */
export function tokenExchangeConfigProblems(config: GatehouseConfig): string[] {
  const problems: string[] = [];
  for (const { client: clientId } of config.authority.tokenExchange.policies) {
    const client = config.authority.clients.find((c) => c.client_id === clientId);
    if (!client) continue; // a client registered another way (a client metadata document) may still be meant
    if (!client.grant_types?.includes(TOKEN_EXCHANGE_GRANT)) {
      problems.push(`authority.tokenExchange: client "${clientId}" has a policy but its grant_types lack ${TOKEN_EXCHANGE_GRANT}`);
    }
    const method = client.token_endpoint_auth_method ?? (client.client_secret ? 'client_secret_basic' : 'none');
    if (method === 'none') {
      problems.push(`authority.tokenExchange: client "${clientId}" is public (no client_secret or keys); only a confidential client may exchange tokens`);
    }
  }
  return problems;
}

/**
 * Serves RFC 8693 token exchange at the authority's token endpoint, when
 * `authority.tokenExchange.policies` names at least one client: registers
 * the grant (so it is listed in `grant_types_supported`) and answers
 * `unauthorized_client` (RFC 6749 §5.2) to a client whose `grant_types` lack
 * it. Call before the configured clients are first loaded.
 *
 * @example
 * ```ts
 * const provider = new Provider(config.issuer, configuration);
 * installTokenExchange(provider, config, keys);
 * ```
 */
export function installTokenExchange(provider: Provider, config: GatehouseConfig, keys: AuthorityKeys, live: Pick<LiveGrantOptions, 'accountIsActive'> = {}): void {
  if (config.authority.tokenExchange.policies.length === 0) return;
  const problems = tokenExchangeConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(`Invalid Gatehouse config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  const handler = tokenExchangeHandler(config, subjectTokenVerifier(config, keys, provider, live), exchangedTokenSigner(keys));
  provider.registerGrantType(TOKEN_EXCHANGE_GRANT, handler, TOKEN_EXCHANGE_PARAMETERS, TOKEN_EXCHANGE_REPEATABLE);

  const tokenPath = authorityRoutes(config.authority.routePrefix).token;
  provider.use(async function unauthorizedClientForExchange(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    await next();
    if (ctx.path !== tokenPath || ctx.status !== 400 || ctx.oidc?.params?.grant_type !== TOKEN_EXCHANGE_GRANT) return;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    if (body?.error === 'invalid_request' && body.error_description === GRANT_NOT_ALLOWED) {
      ctx.body = { error: 'unauthorized_client', error_description: 'this client may not exchange tokens: its grant_types lack token exchange' };
    }
  });
}
