import { checkedLogSettings, type LogFormat, type LogSettings } from '../config/sections/log.js';
import { createLogger, type Logger } from './logger.js';

/** Where the logger writes and what that place is. */
export interface LogDestination {
  /** Default: `process.stdout`. */
  write?: (line: string) => void;
  /** Whether the destination is a terminal. Default: `process.stdout.isTTY`. */
  isTTY?: boolean;
  /** For `NO_COLOR` and `TERM`. Default: `process.env`. */
  env?: Record<string, string | undefined>;
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
  const checked = checkedLogSettings(settings);
  const format: LogFormat = checked.format === undefined || checked.format === 'auto' ? (isTTY ? 'pretty' : 'json') : checked.format;
  const level = checked.level ?? 'info';
  return createLogger({ format, level, color: format === 'pretty' && wantsColor(isTTY, env), write: destination.write });
}
