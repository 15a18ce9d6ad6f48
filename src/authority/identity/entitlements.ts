import type { GatehouseConfig } from '../../config/schema.js';
import type { LocalUser } from './users-file.js';

/**
 * Who may be granted which scope. Most scopes are anyone's who signs in; a
 * restricted scope (`authority.restrictedScopes`, and every scope a role of
 * `authority.roles` names) only a user entitled to it: by `scopes` in their
 * users-file entry, or by one of their `roles`. A request for a restricted
 * scope by anyone else is narrowed (RFC 6749 §3.3: the server may issue
 * less than was asked), never an error: the client learns from the token's
 * `scope` what it got, and the gate's 403 names what a tool needs.
 *
 * With the development sign-in (any username, no password) entitlement
 * proves nothing about a person, so it follows a rule you can see: a user
 * listed in the users file gets what the file says; any other username
 * that starts with `admin` is entitled to every restricted scope, the rest
 * to none. That keeps the demo's step-up visible both ways: `ada` is
 * refused `mcp:admin`, `admin` gets it.
 */

/** Dev sign-in usernames with this prefix (and not in the users file) are entitled to every restricted scope. */
export const DEV_ADMIN_PREFIX = 'admin';

/** The entitlement rules of one configuration. */
export interface Entitlements {
  /** Every restricted scope. */
  readonly restricted: ReadonlySet<string>;
  /**
   * The scopes of `requested` this user may be granted, in order.
   * `user` is their users-file entry (undefined: not listed).
   */
  grantable(requested: readonly string[], username: string, user: LocalUser | undefined): string[];
}

/**
 * Builds the rules from `authority.restrictedScopes` and `authority.roles`.
 *
 * @example
 * ```ts
 * const rules = entitlements(resolveConfig({ publicUrl, authority: { roles: { admin: ['mcp:admin'] } } }), false);
 * rules.grantable(['mcp:tools', 'mcp:admin'], 'bob', { username: 'bob', passwordHash, roles: [] }); // ['mcp:tools']
 * ```
 */
export function entitlements(config: GatehouseConfig, devLogin: boolean): Entitlements {
  const { restrictedScopes, roles } = config.authority;
  const restricted = new Set([...restrictedScopes, ...Object.values(roles).flat()]);

  function entitledTo(username: string, user: LocalUser | undefined): Set<string> {
    if (!user) return devLogin && username.startsWith(DEV_ADMIN_PREFIX) ? restricted : new Set();
    return new Set([...(user.scopes ?? []), ...(user.roles ?? []).flatMap((role) => roles[role] ?? [])]);
  }

  return {
    restricted,
    grantable(requested, username, user) {
      if (restricted.size === 0) return [...requested];
      const entitled = entitledTo(username, user);
      return requested.filter((scope) => !restricted.has(scope) || entitled.has(scope));
    },
  };
}
