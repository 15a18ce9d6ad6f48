import type { Account, AccountClaims, FindAccount } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { entitlements } from '../identity/entitlements.js';
import type { LocalAccounts } from '../identity/local-accounts.js';
import type { StoreFactory } from '../stores/types.js';
import { open, seal } from './seal.js';
import type { UpstreamIdentity } from './types.js';

export const UPSTREAM_ACCOUNT_MODEL = 'UpstreamAccount';

/** The broker's accounts: who signed in at the upstream, as the authority's `LocalAccounts` face. */
export interface BrokerAccounts extends LocalAccounts {
  /** Keeps what the upstream said of this user (sealed, through the store) for the tokens' claims. */
  remember(identity: UpstreamIdentity, ttlSec: number): Promise<void>;
  /** The user as the upstream described them at their last sign-in. */
  identityOf(accountId: string): Promise<UpstreamIdentity | undefined>;
}

/**
 * Accounts in broker mode: there are no passwords here; an account is
 * whoever the upstream signed in (`sub` = the upstream id namespaced by
 * provider), known for as long as a grant of theirs can live. Restricted
 * scopes follow the upstream's groups: a group named like a role of
 * `authority.roles`, or like a restricted scope, entitles to it.
 *
 * @example
 * ```ts
 * const accounts = createBrokerAccounts(config, store, key);
 * await accounts.remember(identity, 86_400);
 * ```
 */
export function createBrokerAccounts(config: GatehouseConfig, store: StoreFactory, key: Buffer): BrokerAccounts {
  const adapter = store(UPSTREAM_ACCOUNT_MODEL);
  const rules = entitlements(config, false);

  async function identityOf(accountId: string): Promise<UpstreamIdentity | undefined> {
    const record = await adapter.find(accountId);
    return record ? open<UpstreamIdentity>(key, accountId, record.sealed) : undefined;
  }

  const findAccount: FindAccount = async function findAccount(_ctx, sub) {
    const identity = await identityOf(sub);
    return identity ? accountFor(identity) : undefined;
  };

  return {
    findAccount,
    devLogin: false,
    usersFile: '',
    async verifyPassword() {
      return undefined;
    },
    async countUsers() {
      return 0;
    },
    // The grant check (live-grants.ts) ends what was revoked; the upstream decides who exists.
    async accountIsActive() {
      return true;
    },
    async grantableScopes(accountId, requested) {
      const identity = await identityOf(accountId);
      const groups = identity?.groups ?? [];
      return rules.grantable(requested, accountId, { username: accountId, passwordHash: '', roles: groups, scopes: groups });
    },
    async remember(identity, ttlSec) {
      await adapter.upsert(identity.sub, { sealed: seal(key, identity.sub, identity) }, ttlSec);
    },
    identityOf,
  };
}

function accountFor(identity: UpstreamIdentity): Account {
  return {
    accountId: identity.sub,
    async claims(): Promise<AccountClaims> {
      // oidc-provider keeps only the claims the granted scopes allow (profile → name, email → email).
      return {
        sub: identity.sub,
        ...(identity.name ? { name: identity.name } : {}),
        ...(identity.email ? { email: identity.email, email_verified: identity.emailVerified } : {}),
      };
    },
  };
}
