import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { LOG_LEVELS, type LogLevel } from '../log/logger.js';
import type { LogSettings } from '../log/settings.js';
import { UsageError } from './io.js';

/**
 * How the CLI's servers (`demo`, `proxy`) listen, log and stop: flags, env
 * vars, or the config file's `server` and `log` sections, which the core
 * config does not know (the library never listens or logs by itself).
 */

const serverSectionSchema = z.object({
  /** Address to bind; `localhost` binds 127.0.0.1 and ::1. */
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  /** On SIGINT/SIGTERM, how long open requests and streams may take to finish before they are closed. */
  shutdownTimeoutSec: z.number().min(0).max(3600).optional(),
});

const logSectionSchema = z.object({
  /** `auto` (default): pretty on a terminal, JSON lines otherwise. */
  format: z.enum(['auto', 'json', 'pretty']).optional(),
  level: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]]).optional(),
});

/** The config file's sections for the CLI's servers, beside the core config. */
export const CLI_SECTIONS = { server: serverSectionSchema.optional(), log: logSectionSchema.optional() };

const cliSectionsSchema = z.object(CLI_SECTIONS);

/** Env vars that set those sections. */
export const CLI_ENV_NAMES: Record<string, string> = {
  'server.host': 'HOST',
  'server.port': 'PORT',
  'server.shutdownTimeoutSec': 'GATEHOUSE_SHUTDOWN_TIMEOUT',
  'log.format': 'GATEHOUSE_LOG_FORMAT',
  'log.level': 'GATEHOUSE_LOG_LEVEL',
};

/** `parseArgs` options every server command takes. */
export const RUNTIME_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

/** The flags of every command that serves the gate (demo, proxy): who issues tokens, where, and the runtime. */
export const SERVER_OPTIONS = {
  issuer: { type: 'string' },
  audience: { type: 'string' },
  ...RUNTIME_OPTIONS,
  'public-url': { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The lines of a command's usage that describe {@link RUNTIME_OPTIONS}. */
export const RUNTIME_USAGE = `  --port <n>           Port to listen on                       (env PORT, default 3000)
  --host <host>        Address to bind                         (env HOST, default localhost: 127.0.0.1 and ::1)
  --log-format <fmt>   json, pretty or auto                    (env GATEHOUSE_LOG_FORMAT, default auto: pretty on a terminal)
  --log-level <level>  debug, info, warn, error or silent      (env GATEHOUSE_LOG_LEVEL, default info)`;

/** Where and how a CLI server runs. */
export interface RuntimeSettings {
  host: string;
  port: number;
  /** From `GATEHOUSE_SHUTDOWN_TIMEOUT` (seconds); default 10 s. */
  shutdownTimeoutMs: number;
  log: LogSettings;
}

/** Flags as `parseArgs` returns them for {@link RUNTIME_OPTIONS}. */
export interface RuntimeFlags {
  port?: string;
  host?: string;
  'log-format'?: string;
  'log-level'?: string;
}

function portFrom(value: string, from: string, flag: boolean): number {
  const port = Number(value);
  if (/^\d+$/.test(value.trim()) && port <= 65535) return port;
  const message = `${from}="${value}" is not a port number (0-65535)`;
  throw flag ? new UsageError(message) : new ConfigError(message);
}

function secondsFrom(value: string, name: string): number {
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds;
  throw new ConfigError(`${name}="${value}" is not a number of seconds`);
}

function sections(file: Record<string, unknown>) {
  const result = cliSectionsSchema.safeParse({ server: file.server, log: file.log });
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  - ${issue.path.join('.')} (${CLI_ENV_NAMES[issue.path.join('.')] ?? 'config file'}): ${issue.message}`);
  throw new ConfigError(`Invalid Gatehouse config:\n${lines.join('\n')}`);
}

function env(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Host, port, shutdown timeout and log settings, each from its flag, else
 * its env var, else the config file, else the default. A wrong flag is a
 * `UsageError`; a wrong env var or file setting a `ConfigError`.
 *
 * @example
 * ```ts
 * const { values } = parseArgs({ args, options: { ...RUNTIME_OPTIONS, config: { type: 'string' } } });
 * const runtime = runtimeSettings(values, process.env, fileLayer);
 * const served = await serve({ host: runtime.host, port: runtime.port, shutdownTimeoutMs: runtime.shutdownTimeoutMs, logger: loggerFromSettings(runtime.log) });
 * ```
 */
export function runtimeSettings(flags: RuntimeFlags, environment: Record<string, string | undefined>, file: Record<string, unknown> = {}): RuntimeSettings {
  const fromFile = sections(file);
  const envPort = env(environment.PORT);
  const envTimeout = env(environment.GATEHOUSE_SHUTDOWN_TIMEOUT);
  const port = flags.port !== undefined ? portFrom(flags.port, '--port', true) : envPort ? portFrom(envPort, 'PORT', false) : (fromFile.server?.port ?? 3000);
  const timeoutSec = envTimeout ? secondsFrom(envTimeout, 'GATEHOUSE_SHUTDOWN_TIMEOUT') : (fromFile.server?.shutdownTimeoutSec ?? 10);
  return {
    host: flags.host ?? env(environment.HOST) ?? fromFile.server?.host ?? 'localhost',
    port,
    shutdownTimeoutMs: Math.round(timeoutSec * 1000),
    log: {
      format: (flags['log-format'] ?? env(environment.GATEHOUSE_LOG_FORMAT) ?? fromFile.log?.format) as LogSettings['format'],
      level: (flags['log-level'] ?? env(environment.GATEHOUSE_LOG_LEVEL) ?? fromFile.log?.level) as LogSettings['level'],
    },
  };
}
