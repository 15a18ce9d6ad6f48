import type Provider from 'oidc-provider';

/**
 * oidc-provider builds every absolute URL it writes (the discovery
 * document's endpoints, `jwks_uri`, `registration_endpoint`, the resume and
 * callback redirects) from Koa's `ctx.href`, that is from the request's
 * `Host` header and the hop's protocol, and marks cookies `Secure` only when
 * that hop is https. A forged `Host` would then rewrite a document that
 * caches keep for minutes, and behind a TLS terminator (plain http to Node)
 * the sign-in would redirect to `http://` with cookies a network attacker
 * can read.
 *
 * So the provider's requests are told the public origin instead: Koa's
 * documented extension point (`app.request` is the prototype of every
 * `ctx.request`, including the contexts `interactionDetails` and
 * `interactionFinished` create) gets `protocol`, `host`, `href` and `URL`
 * that come from the issuer, whatever the request says. `ctx.secure`
 * follows `protocol`, so every cookie is `Secure` when the issuer is https.
 */

const ABSOLUTE_FORM = /^https?:\/\//i;

/** The path and query of a request target; an absolute-form target ("GET http://elsewhere/x") keeps only those. */
function targetPath(originalUrl: string): string {
  if (!ABSOLUTE_FORM.test(originalUrl)) return originalUrl;
  const url = URL.parse(originalUrl);
  return url ? `${url.pathname}${url.search}` : '/';
}

/**
 * Pins the origin every request to `provider` is seen at to `issuer`'s.
 * Call once, right after the provider is built.
 *
 * @example
 * ```ts
 * const provider = new Provider(config.issuer, configuration);
 * pinPublicOrigin(provider, config.issuer);
 * ```
 */
export function pinPublicOrigin(provider: Provider, issuer: string): void {
  const { protocol, host, origin } = new URL(issuer);
  const scheme = protocol.slice(0, -1);
  Object.defineProperties(provider.request, {
    protocol: { configurable: true, get: () => scheme },
    host: { configurable: true, get: () => host },
    href: {
      configurable: true,
      get(this: { originalUrl: string }) {
        return `${origin}${targetPath(this.originalUrl)}`;
      },
    },
    URL: {
      configurable: true,
      get(this: { originalUrl: string }) {
        return new URL(`${origin}${targetPath(this.originalUrl)}`);
      },
    },
  });
}
