import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditEvent, Telemetry } from '../../telemetry/types.js';
import { ENTERPRISE_ISSUER_CLAIM, enterpriseIssuerClaim } from '../id-jag/token-claims.js';

/**
 * The authorization server's audit events, read from oidc-provider's own
 * events: tokens issued, refreshed and exchanged (`grant.success` of the
 * token endpoint), revoked (an access or refresh token destroyed by the
 * revocation endpoint), clients registered. Only identifiers are taken
 * (client id, account id, scopes, resource, grant type), never the token,
 * the code or the client's secret, which oidc-provider keeps on the same
 * objects. The request id and address are added by the edge
 * (`server/request-context.ts`).
 */

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** What the event needs of a token model (oidc-provider's AccessToken, RefreshToken). */
interface TokenFacts {
  accountId?: string;
  clientId?: string;
  scope?: string;
  aud?: string | string[];
  resource?: string | string[];
}

function scopesOf(scope: unknown): string[] | undefined {
  return typeof scope === 'string' && scope !== '' ? scope.split(' ') : undefined;
}

function resourceOf(token: TokenFacts | undefined, fallback: unknown): string | undefined {
  const value = token?.aud ?? token?.resource ?? fallback;
  if (typeof value === 'string') return value;
  return Array.isArray(value) && typeof value[0] === 'string' ? value.join(' ') : undefined;
}

function tokenEventOf(grant: string): AuditEvent['event'] {
  if (grant === 'refresh_token') return 'token.refreshed';
  if (grant === TOKEN_EXCHANGE) return 'token.exchanged';
  return 'token.issued';
}

/** The facts of a successful token request: the grant and what the response granted, read from the issued entity or the response's `scope`. */
function grantedEvent(ctx: KoaContextWithOIDC): AuditEvent {
  const grant = String(ctx.oidc.params?.grant_type ?? 'unknown');
  const entities = ctx.oidc.entities as Record<string, TokenFacts | undefined>;
  const token = entities.AccessToken ?? entities.ClientCredentials;
  const body = ctx.body as { scope?: unknown } | undefined;
  // A token issued for an ID-JAG: the enterprise IdP that vouched for the user.
  const issuer = token ? enterpriseIssuerClaim(token)?.[ENTERPRISE_ISSUER_CLAIM] : undefined;
  return {
    event: tokenEventOf(grant),
    grant,
    clientId: ctx.oidc.client?.clientId,
    subject: token?.accountId ?? ctx.oidc.account?.accountId,
    scopes: scopesOf(body?.scope) ?? scopesOf(token?.scope),
    resource: resourceOf(token, ctx.oidc.params?.resource),
    ...(issuer === undefined ? {} : { issuer }),
  };
}

function revokedEvent(token: TokenFacts & { kind?: string }): AuditEvent {
  return {
    event: 'token.revoked',
    grant: token.kind === 'RefreshToken' ? 'refresh_token' : 'access_token',
    clientId: token.clientId,
    subject: token.accountId,
    scopes: scopesOf(token.scope),
    resource: resourceOf(token, undefined),
  };
}

/**
 * Sends the provider's audit events to `telemetry.audit`; nothing is
 * installed without that hook.
 *
 * @example
 * ```ts
 * installAuditEvents(provider, telemetry);
 * ```
 */
export function installAuditEvents(provider: Provider, telemetry: Telemetry | undefined): void {
  const audit = telemetry?.audit?.bind(telemetry);
  if (!audit) return;
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => audit(grantedEvent(ctx)));
  provider.on('access_token.destroyed', (token: TokenFacts) => audit(revokedEvent({ ...token, kind: 'AccessToken' })));
  provider.on('refresh_token.destroyed', (token: TokenFacts) => audit(revokedEvent({ ...token, kind: 'RefreshToken' })));
  provider.on('registration_create.success', (_ctx: KoaContextWithOIDC, client: { clientId: string; scope?: string }) =>
    audit({ event: 'client.registered', clientId: client.clientId, scopes: scopesOf(client.scope) }),
  );
}
