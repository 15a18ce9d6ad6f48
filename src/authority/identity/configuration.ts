import type { Configuration } from 'oidc-provider';
import { withEnterpriseAccounts } from '../id-jag/enterprise-accounts.js';
import type { LocalAccounts } from './local-accounts.js';

/**
 * Which claims each scope releases. oidc-provider's defaults plus `profile`
 * (name) and `email`, which the users file can fill in. Listing them here
 * also makes `profile` and `email` requestable scopes.
 */
export const ACCOUNT_CLAIMS: NonNullable<Configuration['claims']> = {
  acr: null,
  auth_time: null,
  iss: null,
  sid: null,
  openid: ['sub'],
  profile: ['name'],
  email: ['email'],
};

/**
 * The identity part of the authority's oidc-provider configuration: its
 * `findAccount` (the local accounts, and the enterprise users of ID-JAG
 * grants' refresh tokens) and the claims the local accounts can release.
 *
 * @example
 * ```ts
 * const accounts = createLocalAccounts(config);
 * const fragment = identityConfiguration(accounts); // { findAccount, claims }
 * ```
 */
export function identityConfiguration(accounts: LocalAccounts): Pick<Configuration, 'findAccount' | 'claims'> {
  return { findAccount: withEnterpriseAccounts(accounts.findAccount), claims: ACCOUNT_CLAIMS };
}
