import { ConfigError } from '../errors.js';
import { LOG_FORMATS, LOG_LEVELS, createLogger, type LogFormat, type LogLevel, type Logger } from './logger.js';

/** How the CLI's servers log, as set by `--log-format`/`--log-level`, `GATEHOUSE_LOG_*` or the config file's `log` section. */
export interface LogSettings {
  /** Unset: `pretty` on a terminal, `json` otherwise. */
  format?: LogFormat | 'auto';
  level?: LogLevel;
}

/** Where the logger writes and what that place is. */
export interface LogDestination {
  /** Default: `process.stdout`. */
  write?: (line: string) => void;
  /** Whether the destination is a terminal. Default: `process.stdout.isTTY`. */
  isTTY?: boolean;
  /** For `NO_COLOR` and `TERM`. Default: `process.env`. */
  env?: Record<string, string | undefined>;
}

function checked<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined || value === '') return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${name}="${value}": use one of ${allowed.join(', ')}`);
}

/**
 * Colors are for people: only on a terminal, never with `NO_COLOR`
 * (https://no-color.org) or `TERM=dumb`.
 *
 * @example
 * ```ts
 * wantsColor(process.stdout.isTTY, process.env); // false when NO_COLOR=1
 * ```
 */
export function wantsColor(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return Boolean(isTTY) && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}

/**
 * The logger of a CLI server: JSON lines unless the destination is a
 * terminal (then pretty, colored unless `NO_COLOR`), or as set. Throws a
 * `ConfigError` for an unknown format or level.
 *
 * @example
 * ```ts
 * const log = loggerFromSettings({ format: values['log-format'] ?? layers.log?.format, level: layers.log?.level });
 * log.info('ready', { url: mcpUrl });
 * ```
 */
export function loggerFromSettings(settings: LogSettings = {}, destination: LogDestination = {}): Logger {
  const env = destination.env ?? process.env;
  const isTTY = destination.isTTY ?? Boolean(process.stdout.isTTY);
  const asked = checked(settings.format, [...LOG_FORMATS, 'auto'] as const, 'log format (--log-format, GATEHOUSE_LOG_FORMAT)');
  const format: LogFormat = asked === undefined || asked === 'auto' ? (isTTY ? 'pretty' : 'json') : asked;
  const level = checked(settings.level, LOG_LEVELS, 'log level (--log-level, GATEHOUSE_LOG_LEVEL)') ?? 'info';
  return createLogger({ format, level, color: format === 'pretty' && wantsColor(isTTY, env), write: destination.write });
}
