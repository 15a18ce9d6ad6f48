import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { AuthorityConfig } from '../../config/sections/authority.js';
import { ConfigError } from '../../errors.js';
import { ensurePrivateDir, writeFileAtomic } from '../stores/state-dir.js';
import { checkUsername } from './username.js';
import { isPasswordHash } from './password-hash.js';

/**
 * The users file of the authority's local accounts:
 * `{ "users": [{ "username", "passwordHash", "name"?, "email"?, "validSince"?, "roles"?, "scopes"? }] }`,
 * written 0600 by `gatehouse users`, read again whenever it changes.
 */

export interface LocalUser {
  username: string;
  /** An scrypt hash (`scrypt$N$r$p$salt$key`), or a bcrypt one (`$2b$...`) from older files, upgraded at the next sign-in. */
  passwordHash: string;
  name?: string;
  email?: string;
  /**
   * Epoch seconds: what was issued to this username before is refused
   * (tokens, refresh tokens, sign-in sessions). Set by `gatehouse users add`,
   * so a user removed and added again, or given a new password, does not get
   * the old sessions back.
   */
  validSince?: number;
  /** Roles, each entitling to the scopes `authority.roles` lists for it. */
  roles?: string[];
  /** Restricted scopes this user may be granted, besides those of the roles. */
  scopes?: string[];
}

const userSchema = z.object({
  username: z.string().check((ctx) => {
    const check = checkUsername(ctx.value);
    if (!check.ok) ctx.issues.push({ code: 'custom', input: ctx.value, message: check.reason });
    else if (check.username !== ctx.value) ctx.issues.push({ code: 'custom', input: ctx.value, message: 'a username is stored trimmed and NFC-normalised' });
  }),
  passwordHash: z.string().refine(isPasswordHash, 'passwordHash must be an scrypt hash (scrypt$...) or a bcrypt hash ($2b$...); make one with `gatehouse users add`'),
  name: z.string().max(200).optional(),
  email: z.string().max(320).optional(),
  validSince: z.number().int().min(0).optional(),
  roles: z.array(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a role is 1-64 letters, digits or _ . : -')).optional(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is printable ASCII without spaces, quotes or backslashes')).optional(),
});

const fileSchema = z.object({ users: z.array(userSchema) });

/**
 * Where the users file is: `usersFile`, or `users.json` in the state
 * directory, resolved against the working directory.
 *
 * @example
 * ```ts
 * usersFilePath({ stateDir: '.gatehouse' }); // '/srv/app/.gatehouse/users.json'
 * ```
 */
export function usersFilePath(authority: Pick<AuthorityConfig, 'stateDir' | 'usersFile'>): string {
  return resolve(authority.usersFile ?? join(authority.stateDir, 'users.json'));
}

/**
 * Reads and validates a users file; a missing file is an empty list.
 * Throws a `ConfigError` naming the file and the problem otherwise.
 *
 * @example
 * ```ts
 * const users = await readUsersFile('.gatehouse/users.json');
 * ```
 */
export async function readUsersFile(path: string): Promise<LocalUser[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError(`Cannot read the users file ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`The users file ${path} is not valid JSON: fix it by hand, or move it aside and add the users again with \`gatehouse users add\``);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new ConfigError(`The users file ${path} is not valid:\n${problems.join('\n')}`);
  }
  const seen = new Set<string>();
  for (const user of parsed.data.users) {
    if (seen.has(user.username)) throw new ConfigError(`The users file ${path} lists "${user.username}" twice: remove one of the entries`);
    seen.add(user.username);
  }
  return parsed.data.users;
}

/**
 * Writes the users file atomically (temporary file, then rename), readable
 * by its owner only; creates its directory (0700) when needed.
 *
 * @example
 * ```ts
 * await writeUsersFile(path, [...users, { username: 'alice', passwordHash }]);
 * ```
 */
export async function writeUsersFile(path: string, users: LocalUser[]): Promise<void> {
  await ensurePrivateDir(dirname(path));
  await writeFileAtomic(path, `${JSON.stringify({ users }, null, 2)}\n`);
}

/** A users file kept in memory and read again when its size or mtime changes. */
export interface UsersSource {
  readonly path: string;
  /** The current users; stats the file on every call, rereads it only when it changed. */
  users(): Promise<LocalUser[]>;
}

/**
 * Follows a users file: `gatehouse users add` takes effect at the next
 * sign-in, without a restart.
 *
 * @example
 * ```ts
 * const source = watchUsersFile('.gatehouse/users.json');
 * const alice = (await source.users()).find((u) => u.username === 'alice');
 * ```
 */
export function watchUsersFile(path: string): UsersSource {
  let cached: { stamp: string; users: LocalUser[] } | undefined;
  return {
    path,
    async users() {
      const stamp = await stampOf(path);
      if (cached?.stamp !== stamp) cached = { stamp, users: await readUsersFile(path) };
      return cached.users;
    },
  };
}

/**
 * The file's identity, size and mtime, asked on every call (a refresh asks
 * twice: the account, then its scopes). A synchronous stat of one local file
 * is a metadata lookup of a few µs; the promise version costs a thread-pool
 * round trip, and for a missing file (development sign-in has none) an
 * error built with its stack, each time: most of what the refresh grant
 * cost beyond bare oidc-provider (bench section `token`).
 */
async function stampOf(path: string): Promise<string> {
  try {
    const info = statSync(path, { throwIfNoEntry: false });
    return info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'missing';
  } catch (err) {
    throw new ConfigError(`Cannot read the users file ${path}: ${(err as Error).message}`);
  }
}
