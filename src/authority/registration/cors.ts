import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { corsHeaders, preflight } from '../../http/cors.js';

/** What a browser may do at the registration endpoint: register (POST) and read its registration (GET). */
const REGISTRATION_METHODS = ['GET', 'POST'] as const;

/**
 * CORS for dynamic client registration: MCP Inspector registers from a
 * browser page, and oidc-provider gives the registration endpoint no CORS of
 * its own. Registration is open to any origin anyway (the DCR policy decides
 * who may register, not the browser), and nothing is read with cookies. The
 * headers are the gate's own (src/http/cors.ts), so every endpoint of
 * the origin answers a browser the same way.
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
      // Only the asked headers matter to the answer; the URL is a placeholder (the Host header may be anything).
      const asked = new Request('http://registration.invalid/', { method: 'OPTIONS', headers: { 'access-control-request-headers': ctx.get('access-control-request-headers') } });
      ctx.set(Object.fromEntries(preflight(asked, REGISTRATION_METHODS).headers));
      ctx.status = 204;
      return;
    }
    await next();
    ctx.set(corsHeaders());
  });
}
