import type { Account, AccountClaims, FindAccount } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { entitlements } from './entitlements.js';
import { replacePasswordHash } from './hash-upgrade.js';
import { checkPassword, hashPassword, hashShape, needsUpgrade } from './password-hash.js';
import { checkUsername } from './username.js';
import { usersFilePath, watchUsersFile, type LocalUser } from './users-file.js';

/** Who may sign in to the authority, and who a token's `sub` is. */
export interface LocalAccounts {
  /** oidc-provider's `findAccount`: the account behind a `sub`, with its claims. */
  findAccount: FindAccount;
  /**
   * The account id (= username = `sub`) when the username and password are
   * right, `undefined` otherwise. Takes the same time for unknown users as
   * for a wrong password. In dev sign-in any valid username passes. A
   * bcrypt hash that matched is replaced by an scrypt one before it resolves.
   */
  verifyPassword(username: string, password: string): Promise<string | undefined>;
  /** Development sign-in: any username, no password. */
  readonly devLogin: boolean;
  /** The users file consulted (it may not exist). */
  readonly usersFile: string;
  /** How many users the file lists now. */
  countUsers(): Promise<number>;
  /**
   * Whether what was issued to `accountId` at `issuedAtSec` (epoch seconds)
   * still stands: the user is still in the users file (any username with the
   * development sign-in), and was not added again or given a new password
   * since (`validSince`). Reads the file again when it changed, so a
   * `gatehouse users remove` in another process counts at the next call.
   */
  accountIsActive(accountId: string, issuedAtSec: number | undefined): Promise<boolean>;
  /** The scopes of `requested` this account may be granted (restricted scopes need an entitlement). */
  grantableScopes(accountId: string, requested: readonly string[]): Promise<string[]>;
}

/** When the thing oidc-provider asks about was issued: a refresh token's first issue, a code's or token's issue, the sign-in of a session. */
function issuedAtOf(ctx: unknown, source: unknown): number | undefined {
  const token = source as { iiat?: unknown; iat?: unknown } | undefined;
  if (typeof token?.iiat === 'number') return token.iiat;
  if (typeof token?.iat === 'number') return token.iat;
  const session = (ctx as { oidc?: { session?: { loginTs?: unknown } } } | undefined)?.oidc?.session;
  return typeof session?.loginTs === 'number' ? session.loginTs : undefined;
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
export function createLocalAccounts(config: GatehouseConfig, options: LocalAccountsOptions = {}): LocalAccounts {
  const devLogin = config.authority.devLogin ?? config.authority.env !== 'production';
  const source = watchUsersFile(usersFilePath(config.authority));
  const onUpgradeError = options.onUpgradeError ?? warnOnce();

  async function userNamed(username: string): Promise<LocalUser | undefined> {
    return (await source.users()).find((user) => user.username === username);
  }

  async function verifyPassword(username: string, password: string): Promise<string | undefined> {
    const check = checkUsername(username);
    if (devLogin) return check.ok ? check.username : undefined;
    const users = await source.users();
    const user = check.ok ? users.find((u) => u.username === check.username) : undefined;
    // Unknown users are checked against a dummy shaped like most users' hashes: no timing difference.
    const right = await checkPassword(password, user?.passwordHash, usualHash(users));
    if (!right || !user) return undefined;
    if (needsUpgrade(user.passwordHash)) await upgrade(user, password);
    return user.username;
  }

  /** Rewrites a bcrypt hash as scrypt; a read-only users file keeps working, with a warning. */
  async function upgrade(user: LocalUser, password: string): Promise<void> {
    try {
      await replacePasswordHash(source.path, user.username, user.passwordHash, await hashPassword(password));
    } catch (err) {
      onUpgradeError(err);
    }
  }

  function standsFor(user: LocalUser | undefined, issuedAtSec: number | undefined): boolean {
    if (!user) return devLogin;
    // Issued before the user was (re)created or got a new password: not theirs any more.
    return user.validSince === undefined || issuedAtSec === undefined || issuedAtSec >= user.validSince;
  }

  // oidc-provider asks with the refresh token or code being redeemed, or (source absent) for the session's account.
  const findAccount: FindAccount = async function findAccount(ctx, sub, source) {
    const check = checkUsername(sub);
    if (!check.ok || check.username !== sub) return undefined;
    const user = await userNamed(sub);
    if (!standsFor(user, issuedAtOf(ctx, source))) return undefined;
    return accountFor(sub, user);
  };
  const rules = entitlements(config, devLogin);

  return {
    findAccount,
    verifyPassword,
    devLogin,
    usersFile: source.path,
    async countUsers() {
      return (await source.users()).length;
    },
    async accountIsActive(accountId, issuedAtSec) {
      return standsFor(await userNamed(accountId), issuedAtSec);
    },
    async grantableScopes(accountId, requested) {
      return rules.grantable(requested, accountId, await userNamed(accountId));
    },
  };
}

export interface LocalAccountsOptions {
  /** Told when a bcrypt hash could not be rewritten as scrypt (the sign-in still succeeds). Default: one line on stderr, once. */
  onUpgradeError?: (error: unknown) => void;
}

function warnOnce(): (error: unknown) => void {
  let warned = false;
  return function warnUpgradeFailed(error) {
    if (warned) return;
    warned = true;
    console.error(`gatehouse: could not upgrade a bcrypt password hash to scrypt in the users file: ${error instanceof Error ? error.message : String(error)}`);
  };
}

/** A hash of the commonest shape among the users' hashes, for the dummy an unknown username is checked against. */
function usualHash(users: LocalUser[]): string | undefined {
  const counts = new Map<string, { hash: string; count: number }>();
  for (const { passwordHash } of users) {
    const shape = hashShape(passwordHash);
    if (!shape) continue;
    const entry = counts.get(shape) ?? { hash: passwordHash, count: 0 };
    entry.count++;
    counts.set(shape, entry);
  }
  let best: { hash: string; count: number } | undefined;
  for (const entry of counts.values()) if (!best || entry.count > best.count) best = entry;
  return best?.hash;
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
