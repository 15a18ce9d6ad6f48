import type { Account, AccountClaims, FindAccount } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { checkPassword, costOf } from './password-hash.js';
import { checkUsername } from './username.js';
import { usersFilePath, watchUsersFile, type LocalUser } from './users-file.js';

/** Who may sign in to the authority, and who a token's `sub` is. */
export interface LocalAccounts {
  /** oidc-provider's `findAccount`: the account behind a `sub`, with its claims. */
  findAccount: FindAccount;
  /**
   * The account id (= username = `sub`) when the username and password are
   * right, `undefined` otherwise. Takes the same time for unknown users as
   * for a wrong password. In dev sign-in any valid username passes.
   */
  verifyPassword(username: string, password: string): Promise<string | undefined>;
  /** Development sign-in: any username, no password. */
  readonly devLogin: boolean;
  /** The users file consulted (it may not exist). */
  readonly usersFile: string;
  /** How many users the file lists now. */
  countUsers(): Promise<number>;
}

/**
 * The authority's local accounts: in development any username signs in
 * (it becomes the token's `sub`); in production only the users of the users
 * file, with their password. Names and emails from the users file are the
 * `profile`/`email` claims in both modes.
 *
 * @example
 * ```ts
 * const accounts = createLocalAccounts(config);
 * const provider = new Provider(config.issuer, { findAccount: accounts.findAccount, ... });
 * await accounts.verifyPassword('alice', 'correct horse battery staple'); // 'alice' or undefined
 * ```
 */
export function createLocalAccounts(config: GatehouseConfig): LocalAccounts {
  const devLogin = config.authority.devLogin ?? config.authority.env !== 'production';
  const source = watchUsersFile(usersFilePath(config.authority));

  async function userNamed(username: string): Promise<LocalUser | undefined> {
    return (await source.users()).find((user) => user.username === username);
  }

  async function verifyPassword(username: string, password: string): Promise<string | undefined> {
    const check = checkUsername(username);
    if (devLogin) return check.ok ? check.username : undefined;
    const users = await source.users();
    const user = check.ok ? users.find((u) => u.username === check.username) : undefined;
    // Unknown users are checked against a dummy hash of the same cost: no timing difference.
    const costOfOthers = costOf(users[0]?.passwordHash ?? '');
    const right = await checkPassword(password, user?.passwordHash, costOfOthers);
    return right && user ? user.username : undefined;
  }

  const findAccount: FindAccount = async function findAccount(_ctx, sub) {
    const check = checkUsername(sub);
    if (!check.ok || check.username !== sub) return undefined;
    const user = await userNamed(sub);
    if (!user && !devLogin) return undefined;
    return accountFor(sub, user);
  };

  return {
    findAccount,
    verifyPassword,
    devLogin,
    usersFile: source.path,
    async countUsers() {
      return (await source.users()).length;
    },
  };
}

function accountFor(sub: string, user: LocalUser | undefined): Account {
  return {
    accountId: sub,
    async claims(): Promise<AccountClaims> {
      // oidc-provider keeps only the claims the granted scopes allow (profile → name, email → email).
      return {
        sub,
        ...(user?.name ? { name: user.name } : {}),
        ...(user?.email ? { email: user.email } : {}),
      };
    },
  };
}
