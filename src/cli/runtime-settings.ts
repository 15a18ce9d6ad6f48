import type { LogSettings } from '../config/sections/log.js';
import { resolveRuntimeSettings, type RuntimeSettings } from '../config/sections/server.js';
import { port } from '../config/values.js';
import { parsedFlag } from './io.js';

/** The flags of the CLI's servers (`demo`, `proxy`) for the config's `server` and `log` sections. */

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
  strict: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The lines of a command's usage that describe {@link RUNTIME_OPTIONS}. */
export const RUNTIME_USAGE = `  --port <n>           Port to listen on                       (env PORT, default 3000)
  --host <host>        Address to bind                         (env HOST, default localhost: 127.0.0.1 and ::1)
  --log-format <fmt>   json, pretty or auto                    (env GATEHOUSE_LOG_FORMAT, default auto: pretty on a terminal)
  --log-level <level>  debug, info, warn, error or silent      (env GATEHOUSE_LOG_LEVEL, default info)`;

/** Flags as `parseArgs` returns them for {@link RUNTIME_OPTIONS}. */
export interface RuntimeFlags {
  port?: string;
  host?: string;
  'log-format'?: string;
  'log-level'?: string;
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
  return resolveRuntimeSettings(file, environment, {
    server: { host: flags.host, port: parsedFlag(flags.port, '--port', port) },
    log: { format: flags['log-format'] as LogSettings['format'], level: flags['log-level'] as LogSettings['level'] },
  });
}
