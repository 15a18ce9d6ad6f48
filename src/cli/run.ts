import { GatehouseError } from '../errors.js';
import { CONFIG_USAGE, runConfig } from './config.js';
import { DEMO_USAGE, runDemo } from './demo.js';
import { DOCTOR_USAGE, runDoctor } from './doctor.js';
import { INIT_USAGE, runInit } from './init.js';
import { UsageError, type Io } from './io.js';
import { KEYS_USAGE, runKeys } from './keys.js';
import { PROXY_USAGE, runProxy } from './proxy.js';
import { red } from './style.js';
import { USERS_USAGE, runUsers } from './users.js';
import { version } from './version.js';

export const USAGE = `Usage: gatehouse <command> [options]

OAuth 2.1 for MCP servers.

Commands:
  demo           Run a demo MCP server behind the gate
  proxy          Put the gate in front of an existing MCP server (Streamable HTTP or stdio)
  users          Manage the authorization server's local accounts (add, remove, list)
  keys           List or rotate the authorization server's signing keys
  config         Check the settings (file, env, flags) or print the config file's JSON Schema
  init           Create a new TypeScript MCP server protected by Gatehouse
  doctor         Diagnose an MCP server's sign-in as each real client sees it

Options:
  -h, --help     Show this help (or a command's: gatehouse demo --help, gatehouse help demo)
  -v, --version  Show the version

Examples:
  OAUTH_ISSUER_URL=http://localhost:8080/realms/mcp gatehouse demo
  gatehouse demo --issuer https://login.example.com --port 8080
`;

type Command = (argv: string[], env: NodeJS.ProcessEnv, io: Io) => Promise<number>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  demo: { run: runDemo, usage: DEMO_USAGE },
  users: { run: runUsers, usage: USERS_USAGE },
  keys: { run: runKeys, usage: KEYS_USAGE },
  proxy: { run: runProxy, usage: PROXY_USAGE },
  config: { run: runConfig, usage: CONFIG_USAGE },
  doctor: { run: runDoctor, usage: DOCTOR_USAGE },
  init: { run: runInit, usage: INIT_USAGE },
};

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function isParseArgsError(err: unknown): err is Error {
  return err instanceof TypeError && codeOf(err).startsWith('ERR_PARSE_ARGS');
}

/** Errors from binding a port, which deserve a sentence rather than a stack trace. */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use; choose another with --port or PORT',
  EACCES: 'no permission to bind that port; use one above 1024',
  EADDRNOTAVAIL: 'that address is not on this machine; check --host or HOST',
};

/**
 * Runs the `gatehouse` CLI and resolves to its exit code: 0 done, 1 failed
 * (a clean message, never a stack trace, for errors Gatehouse raises on
 * purpose), 2 bad usage.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2));
 * ```
 */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(USAGE);
    return 2;
  }
  if (name === '-h' || name === '--help' || name === 'help') {
    // `gatehouse help <command>` is `gatehouse <command> --help`.
    const wanted = name === 'help' ? rest[0] : undefined;
    const topic = wanted === undefined ? undefined : COMMANDS[wanted];
    if (wanted !== undefined && !topic) {
      io.err(`gatehouse help: unknown command "${wanted}"\n\n${USAGE}`);
      return 2;
    }
    io.out(topic ? topic.usage : USAGE);
    return 0;
  }
  if (name === '-v' || name === '--version') {
    io.out(version);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`gatehouse: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command.run(rest, env, io);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      io.err(`gatehouse ${name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    if (err instanceof GatehouseError) {
      io.err(red(`gatehouse ${name}: ${err.message}`, process.stderr));
      return 1;
    }
    const listenHint = LISTEN_ERRORS[codeOf(err)];
    if (listenHint) {
      io.err(red(`gatehouse ${name}: ${(err as Error).message}: ${listenHint}`, process.stderr));
      return 1;
    }
    throw err;
  }
}

function defaultIo(): Io {
  return {
    out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  };
}
