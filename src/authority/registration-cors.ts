import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * CORS for dynamic client registration: MCP Inspector registers from a
 * browser page, and oidc-provider gives the registration endpoint no CORS of
 * its own. Registration is open to any origin anyway (the DCR policy decides
 * who may register, not the browser), and nothing is read with cookies.
 *
 * @example
 * ```ts
 * installRegistrationCors(provider, '/oauth/register');
 * ```
 */
export function installRegistrationCors(provider: Provider, registrationPath: string): void {
  provider.use(async function registrationCors(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    if (ctx.path !== registrationPath && !ctx.path.startsWith(`${registrationPath}/`)) return next();
    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
      ctx.set('access-control-allow-origin', '*');
      ctx.set('access-control-allow-methods', 'POST, GET');
      ctx.set('access-control-allow-headers', ctx.get('access-control-request-headers') || 'Content-Type, Authorization');
      ctx.set('access-control-max-age', '3600');
      ctx.status = 204;
      return;
    }
    await next();
    ctx.set('access-control-allow-origin', '*');
    ctx.set('access-control-expose-headers', 'WWW-Authenticate');
  });
}
