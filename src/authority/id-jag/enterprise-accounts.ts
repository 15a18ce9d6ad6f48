import type { FindAccount } from 'oidc-provider';
import { isIdJagToken } from './token-claims.js';

/**
 * The account behind a refresh token of an ID-JAG grant. Its user is the
 * enterprise IdP's (`<issuer>#<sub>`, or the `subjectClaim`), who has no
 * local account here: the IdP vouched for them when the ID-JAG was
 * redeemed, and the grant's lifetime bounds how long that vouching lasts.
 * So oidc-provider's account lookup for such a token answers the user as
 * named, with no claims beyond `sub`, and every other lookup (sign-ins,
 * codes, refresh tokens of local users) goes to the local accounts
 * unchanged. A token's `gty` is set by the authority, never by a client.
 *
 * @example
 * ```ts
 * new Provider(issuer, { findAccount: withEnterpriseAccounts(accounts.findAccount) });
 * ```
 */
export function withEnterpriseAccounts(findLocalAccount: FindAccount): FindAccount {
  return function findAccount(ctx, sub, token) {
    if (token && isIdJagToken(token)) return { accountId: sub, claims: () => ({ sub }) };
    return findLocalAccount(ctx, sub, token);
  };
}
