import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { isConfiguredClient } from '../registration/index.js';

/**
 * Keeps the authorization endpoint from being an open redirector (RFC 9700
 * §4.11.2). Anyone can register a client (DCR) or host a metadata document
 * (CIMD) whose redirect URI is `https://attacker.example/cb`; oidc-provider
 * would answer a request of that client that fails its checks (no PKCE, a
 * bad scope) with an immediate 303 there, before the user has seen a page,
 * so a link on this server's trusted origin lands the user on the attacker's.
 *
 * For clients the operator did not configure, an error found on the first
 * pass of the authorization endpoint (route `authorization`: before any
 * sign-in or consent page) is shown on Gatehouse's own error page instead.
 * Errors after the user acted (route `resume`: `access_denied` when they
 * refused) are redirected as usual: by then they chose to deal with that
 * client. Configured clients keep every redirect. Every redirect, success or
 * error, carries RFC 9207 `iss` (oidc-provider adds it on both paths; MCP
 * 2026-07-28, SEP-2468); a page shown here instead is no response to the client.
 */

/** What oidc-provider's authorization error handler reads to decide between a redirect and its error page. */
interface RedirectableError {
  allow_redirect?: boolean;
}

/**
 * Installs the rule on the provider. oidc-provider emits
 * `authorization.error` synchronously with the error it is about to answer,
 * before it reads `allow_redirect`; clearing that flag sends the error to
 * `renderError` (our page) instead of the client's redirect URI.
 *
 * @example
 * ```ts
 * keepEarlyErrorsOnOurPage(provider, config);
 * ```
 */
export function keepEarlyErrorsOnOurPage(provider: Provider, config: GatehouseConfig): void {
  provider.on('authorization.error', function showEarlyErrorHere(ctx: KoaContextWithOIDC, error: RedirectableError) {
    if (ctx.oidc?.route !== 'authorization') return;
    if (isConfiguredClient(config, ctx.oidc.client?.clientId)) return;
    error.allow_redirect = false;
  });
}
