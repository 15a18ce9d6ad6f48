/**
 * The claim that marks an access token issued for an ID-JAG, naming the
 * enterprise IdP that vouched for its user: the upstream MCP server (and
 * the gate's live-grant check) can tell an enterprise user from a local
 * one. The grant handler tags the token object it creates; oidc-provider's
 * `extraTokenClaims` reads the tag back when it formats that token.
 */

/** The access-token claim naming the enterprise IdP (the ID-JAG's `iss`). */
export const ENTERPRISE_ISSUER_CLAIM = 'enterprise_iss';

const issuerOf = new WeakMap<object, string>();

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
 * The claims `extraTokenClaims` adds for a tagged token; `undefined` for any other.
 *
 * @example
 * ```ts
 * enterpriseIssuerClaim(token); // { enterprise_iss: 'https://acme.okta.com' }
 * ```
 */
export function enterpriseIssuerClaim(token: object): Record<string, string> | undefined {
  const issuer = issuerOf.get(token);
  return issuer === undefined ? undefined : { [ENTERPRISE_ISSUER_CLAIM]: issuer };
}
