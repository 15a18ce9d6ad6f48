import type Provider from 'oidc-provider';

/**
 * The claim that marks an access token issued for an ID-JAG, naming the
 * enterprise IdP that vouched for its user: the upstream MCP server (and
 * the gate's live-grant check) can tell an enterprise user from a local
 * one. The grant handler tags the token object it creates; a token the
 * refresh grant issues later (for a client allowed refresh tokens) finds
 * the IdP through its grant, which the handler recorded in the store.
 * oidc-provider's `extraTokenClaims` reads either back when it formats the
 * token.
 */

/** The access-token claim naming the enterprise IdP (the ID-JAG's `iss`). */
export const ENTERPRISE_ISSUER_CLAIM = 'enterprise_iss';

/** The first word of the `gty` of every token that comes from an ID-JAG, refreshed ones included (`<grant> refresh_token`). */
const ID_JAG_GTY = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const issuerOf = new WeakMap<object, string>();
const grantIssuers = new WeakMap<Provider, (grantId: string) => Promise<string | undefined>>();

/**
 * Tags a token about to be saved with the enterprise IdP behind it.
 *
 * @example
 * ```ts
 * const token = new provider.AccessToken({ ... });
 * tagEnterpriseIssuer(token, 'https://acme.okta.com');
 * await token.save();
 * ```
 */
export function tagEnterpriseIssuer(token: object, issuer: string): void {
  issuerOf.set(token, issuer);
}

/**
 * Where the provider finds the enterprise IdP of a grant made for an ID-JAG
 * (its refreshed tokens are not tagged: oidc-provider builds them).
 *
 * @example
 * ```ts
 * findGrantIssuersWith(provider, (grantId) => grants.issuerOf(grantId));
 * ```
 */
export function findGrantIssuersWith(provider: Provider, lookup: (grantId: string) => Promise<string | undefined>): void {
  grantIssuers.set(provider, lookup);
}

/** Whether a token (access or refresh) comes from the ID-JAG grant. */
export function isIdJagToken(token: object): boolean {
  const { gty } = token as { gty?: unknown };
  return typeof gty === 'string' && gty.split(' ')[0] === ID_JAG_GTY;
}

/**
 * The claims `extraTokenClaims` adds for a token from an ID-JAG; `undefined` for any other.
 *
 * @example
 * ```ts
 * await enterpriseIssuerClaim(provider, token); // { enterprise_iss: 'https://acme.okta.com' }
 * ```
 */
export async function enterpriseIssuerClaim(provider: Provider | undefined, token: object): Promise<Record<string, string> | undefined> {
  let issuer = issuerOf.get(token);
  const { grantId } = token as { grantId?: unknown };
  if (issuer === undefined && provider && isIdJagToken(token) && typeof grantId === 'string') issuer = await grantIssuers.get(provider)?.(grantId);
  return issuer === undefined ? undefined : { [ENTERPRISE_ISSUER_CLAIM]: issuer };
}
