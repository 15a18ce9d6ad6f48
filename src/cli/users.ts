import { parseArgs } from 'node:util';
import { checkUsername } from '../authority/identity/username.js';
import { hashPassword, passwordProblem } from '../authority/identity/password-hash.js';
import { readUsersFile, usersFilePath, writeUsersFile, type LocalUser } from '../authority/identity/users-file.js';
import { UsageError, type Io } from './io.js';
import { PromptCancelled, terminalPasswordInput, type PasswordInput } from './password-input.js';
import { loadLayers } from './server-settings.js';

export const USERS_USAGE = `Usage: gatehouse users <add|remove|list> [options]

Manages the accounts that sign in to Gatehouse's own authorization server in
production. Users live in a JSON file with scrypt password hashes, readable by
its owner only (0600); a running server sees changes at once (the next
request), without a restart. (bcrypt hashes of older files still work and
become scrypt at the next sign-in.)

Commands:
  add <username>     Add a user (asks for the password twice, without echo)
  remove <username>  Remove a user: their tokens, refresh tokens and sign-in
                     sessions stop working at their next request
  list               List the users (never their hashes)

Options:
  --name <name>      Display name, released with the "profile" scope      (add)
  --email <address>  Email address, released with the "email" scope       (add)
  --password-stdin   Read the password from standard input                (add)
  --replace          Let add change an existing user's password; this     (add)
                     also ends their existing sessions and tokens
  --role <name>      A role (authority.roles) entitling to restricted      (add)
                     scopes; repeat for several; replaces the user's roles
  --scopes <list>    Restricted scopes (authority.restrictedScopes) the    (add)
                     user may be granted, space- or comma-separated
  --file <path>      The users file (env GATEHOUSE_USERS_FILE,
                     default <state dir>/users.json; state dir: env GATEHOUSE_STATE_DIR, default .gatehouse)
  --config <file>    Config file whose authority.usersFile/stateDir apply (env GATEHOUSE_CONFIG,
                     default ./gatehouse.config.json|yaml|yml)
  -h, --help         Show this help

A username is 1-64 printable characters without spaces; it is the "sub" of the
user's tokens. A password has 8 to 72 bytes.

Examples:
  gatehouse users add alice --name "Alice Liddell" --email alice@example.com
  printf '%s' "$ALICE_PASSWORD" | gatehouse users add alice --password-stdin
  gatehouse users add alice --replace
  gatehouse users add bob --role admin            # with authority.roles: { "admin": ["mcp:admin"] }
  gatehouse users add carol --scopes mcp:admin
  gatehouse users list
  GATEHOUSE_STATE_DIR=/var/lib/gatehouse gatehouse users remove alice
`;

interface UsersFlags {
  name?: string;
  email?: string;
  'password-stdin'?: boolean;
  replace?: boolean;
  role?: string[];
  scopes?: string[];
  file?: string;
  config?: string;
}

async function usersFileFrom(flags: UsersFlags, env: NodeJS.ProcessEnv): Promise<string> {
  if (flags.file) return usersFilePath({ stateDir: '.gatehouse', usersFile: flags.file });
  const { layers } = await loadLayers({}, flags.config, env, {});
  return usersFilePath({ stateDir: layers.authority?.stateDir ?? '.gatehouse', usersFile: layers.authority?.usersFile });
}

function usernameFrom(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} needs exactly one username`);
  const check = checkUsername(positionals[0]!);
  if (!check.ok) throw new UsageError(`"${positionals[0]}": ${check.reason}`);
  return check.username;
}

function profileFrom(flags: UsersFlags): Pick<LocalUser, 'name' | 'email'> {
  const name = flags.name?.trim();
  const email = flags.email?.trim();
  if (name !== undefined && (name === '' || name.length > 200 || /\p{Cc}/u.test(name))) throw new UsageError('--name is 1-200 printable characters');
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError(`--email "${email}" is not an email address`);
  return { ...(name ? { name } : {}), ...(email ? { email } : {}) };
}

const ROLE = /^[A-Za-z0-9_.:-]{1,64}$/;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** The roles and restricted scopes of `--role`/`--scopes`, or the existing user's when neither is given. */
function entitlementsFrom(flags: UsersFlags, existing: LocalUser | undefined): Pick<LocalUser, 'roles' | 'scopes'> {
  const roles = flags.role?.map((role) => role.trim()).filter(Boolean);
  const scopes = flags.scopes?.flatMap((list) => list.split(/[\s,]+/)).filter(Boolean);
  for (const role of roles ?? []) if (!ROLE.test(role)) throw new UsageError(`--role "${role}" is not a role name: 1-64 letters, digits or _ . : -`);
  for (const scope of scopes ?? []) if (!SCOPE.test(scope)) throw new UsageError(`--scopes "${scope}" is not a scope: printable ASCII without spaces, quotes or backslashes`);
  return {
    ...(roles?.length ? { roles: [...new Set(roles)] } : existing?.roles ? { roles: existing.roles } : {}),
    ...(scopes?.length ? { scopes: [...new Set(scopes)] } : existing?.scopes ? { scopes: existing.scopes } : {}),
  };
}

async function newPassword(username: string, flags: UsersFlags, input: PasswordInput): Promise<string> {
  let password: string;
  if (flags['password-stdin']) {
    // One trailing newline is what `echo` adds, not part of the password.
    password = (await input.readAll()).replace(/\r?\n$/, '');
  } else if (input.askHidden) {
    password = await input.askHidden(`Password for ${username}: `);
    const problem = passwordProblem(password);
    if (problem) throw new UsageError(`the password is not usable: ${problem}`);
    if ((await input.askHidden('Repeat it: ')) !== password) throw new UsageError('the two passwords differ; nothing was changed');
  } else {
    throw new UsageError('there is no terminal to ask for the password: pipe it in with --password-stdin');
  }
  const problem = passwordProblem(password);
  if (problem) throw new UsageError(`the password is not usable: ${problem}`);
  return password;
}

async function addUser(path: string, username: string, flags: UsersFlags, input: PasswordInput, io: Io): Promise<number> {
  const users = await readUsersFile(path);
  const existing = users.find((u) => u.username === username);
  if (existing && !flags.replace) {
    throw new UsageError(`"${username}" already exists in ${path}; to change the password: gatehouse users add ${username} --replace`);
  }
  const profile = profileFrom(flags);
  const passwordHash = await hashPassword(await newPassword(username, flags, input));
  // A new or re-added user, or a new password: nothing issued before counts (tokens, refresh tokens, sessions).
  const validSince = Math.floor(Date.now() / 1000);
  const user: LocalUser = { ...existing, ...profile, ...entitlementsFrom(flags, existing), username, passwordHash, validSince };
  await writeUsersFile(path, existing ? users.map((u) => (u === existing ? user : u)) : [...users, user]);
  io.out(`${existing ? 'Updated' : 'Added'} ${username} in ${path}`);
  return 0;
}

async function removeUser(path: string, username: string, io: Io): Promise<number> {
  const users = await readUsersFile(path);
  const kept = users.filter((u) => u.username !== username);
  if (kept.length === users.length) {
    io.err(`gatehouse users: no user "${username}" in ${path}`);
    return 1;
  }
  await writeUsersFile(path, kept);
  io.out(`Removed ${username} from ${path}`);
  return 0;
}

async function listUsers(path: string, io: Io): Promise<number> {
  const users = await readUsersFile(path);
  if (users.length === 0) {
    io.out(`No users in ${path}. Add one with: gatehouse users add <username>`);
    return 0;
  }
  const width = Math.max(...users.map((u) => u.username.length));
  const lines = users.map((u) => {
    const entitled = [...(u.roles ?? []).map((role) => `role ${role}`), ...(u.scopes ?? [])];
    const about = [u.name, u.email ? `<${u.email}>` : undefined, entitled.length ? `[${entitled.join(', ')}]` : undefined].filter(Boolean).join(' ');
    return about ? `${u.username.padEnd(width)}  ${about}` : u.username;
  });
  io.out(`${users.length} user${users.length === 1 ? '' : 's'} in ${path}:\n${lines.join('\n')}`);
  return 0;
}

/**
 * `gatehouse users`: adds, removes and lists the authority's local accounts.
 * Resolves to the exit code (0 done, 1 failed, 2 bad usage via UsageError).
 *
 * @example
 * ```ts
 * process.exitCode = await runUsers(['add', 'alice', '--password-stdin'], process.env, io);
 * ```
 */
export async function runUsers(argv: string[], env: NodeJS.ProcessEnv, io: Io, input: PasswordInput = terminalPasswordInput()): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      email: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      replace: { type: 'boolean' },
      role: { type: 'string', multiple: true },
      scopes: { type: 'string', multiple: true },
      file: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help) {
    io.out(USERS_USAGE);
    return 0;
  }
  const path = await usersFileFrom(values, env);
  switch (command) {
    case 'add':
      try {
        return await addUser(path, usernameFrom(rest, 'add'), values, input, io);
      } catch (err) {
        if (!(err instanceof PromptCancelled)) throw err;
        io.err('gatehouse users: cancelled; nothing was changed');
        return 130;
      }
    case 'remove':
      return removeUser(path, usernameFrom(rest, 'remove'), io);
    case 'list':
      if (rest.length > 0) throw new UsageError('list takes no arguments');
      return listUsers(path, io);
    case undefined:
      throw new UsageError('which command: add, remove or list?');
    default:
      throw new UsageError(`unknown command "${command}": use add, remove or list`);
  }
}

