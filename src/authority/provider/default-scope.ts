import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { defaultScopes, resourceScopes } from './resource-indicators.js';
import { authorityRoutes } from './routes.js';

/**
 * The scope an authorization request gets when it names none of the MCP
 * resource's scopes (every token is for that resource). oidc-provider denies a request that grants no scope ("no scope was
 * granted"); real IdPs apply default scopes instead, and MCP clients often
 * send no `scope` (nothing in the challenge or metadata) or only
 * `offline_access`.
 *
 * @example
 * ```ts
 * withDefaultScope('offline_access', config); // 'offline_access mcp:tools'
 * withDefaultScope('mcp:tools', config);      // 'mcp:tools'
 * withDefaultScope(undefined, config);        // 'mcp:tools'
 * ```
 */
export function withDefaultScope(requested: string | undefined, config: GatehouseConfig): string {
  const known = new Set(resourceScopes(config));
  const scopes = (requested ?? '').split(' ').filter(Boolean);
  if (scopes.some((scope) => known.has(scope))) return scopes.join(' ');
  return [...scopes, ...defaultScopes(config)].join(' ');
}

/**
 * Fills in the default scope on authorization requests (`GET`, the form
 * every MCP client uses). Call before the provider's `callback()` is taken.
 *
 * @example
 * ```ts
 * installDefaultScope(provider, config);
 * ```
 */
export function installDefaultScope(provider: Provider, config: GatehouseConfig): void {
  const authorizePath = authorityRoutes(config.authority.routePrefix).authorization;
  provider.use(async function fillDefaultScope(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    if (ctx.method === 'GET' && ctx.path === authorizePath) {
      const requested = typeof ctx.query.scope === 'string' ? ctx.query.scope : undefined;
      // A repeated `scope` is left for oidc-provider to refuse as a duplicate parameter.
      if (!Array.isArray(ctx.query.scope)) {
        const scope = withDefaultScope(requested, config);
        if (scope !== requested) ctx.query = { ...ctx.query, scope };
      }
    }
    return next();
  });
}
