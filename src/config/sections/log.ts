import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import type { EnvTable } from '../values.js';

/** The `log` section: how the CLI's servers log (the library never logs by itself). */

/** Severity, lowest first; `silent` logs nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** `json`: one JSON object per line, for machines. `pretty`: one readable line, for people at a terminal. */
export type LogFormat = 'json' | 'pretty';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

export const logSectionSchema = z.object({
  /** `auto` (default): pretty on a terminal, JSON lines otherwise. */
  format: z.enum(['auto', 'json', 'pretty']).optional(),
  level: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]]).optional(),
});

/** Env vars of the `log` section, by setting path. */
export const LOG_ENV: EnvTable = {
  'log.format': ['GATEHOUSE_LOG_FORMAT'],
  'log.level': ['GATEHOUSE_LOG_LEVEL'],
};

/** How the CLI's servers log, as set by `--log-format`/`--log-level`, `GATEHOUSE_LOG_*` or the config file's `log` section. */
export interface LogSettings {
  /** Unset: `pretty` on a terminal, `json` otherwise. */
  format?: LogFormat | 'auto';
  level?: LogLevel;
}

function checked<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined || value === '') return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${name}="${value}": use one of ${allowed.join(', ')}`);
}

/**
 * The log settings as given by flags or env vars, checked: a `ConfigError`
 * names the flag and env var of an unknown format or level.
 *
 * @example
 * ```ts
 * checkedLogSettings({ format: 'json', level: 'debug' }); // { format: 'json', level: 'debug' }
 * ```
 */
export function checkedLogSettings(settings: LogSettings): LogSettings {
  return {
    format: checked(settings.format, [...LOG_FORMATS, 'auto'] as const, 'log format (--log-format, GATEHOUSE_LOG_FORMAT)'),
    level: checked(settings.level, LOG_LEVELS, 'log level (--log-level, GATEHOUSE_LOG_LEVEL)'),
  };
}
