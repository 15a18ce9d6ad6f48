import type { LogFormat, LogLevel } from '../config/sections/log.js';
import { formatPretty } from './pretty.js';
import { redact } from './redact.js';


/** Fields of a log record besides `time`, `level` and `msg`. */
export type LogFields = Record<string, unknown>;

/** One record as written in JSON format, after redaction. */
export interface LogRecord extends LogFields {
  time: string;
  level: Exclude<LogLevel, 'silent'>;
  msg: string;
}

/** A small structured logger: every record is redacted before it is written. */
export interface Logger {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** True when records of this level are written. */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every record (e.g. `{ component: 'proxy' }`). */
  child(fields: LogFields): Logger;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Default `info`. */
  level?: LogLevel;
  /** Default `json`. */
  format?: LogFormat;
  /** Colors in pretty format. Default false. */
  color?: boolean;
  /** Receives each line, without its newline. Default: `process.stdout`. */
  write?: (line: string) => void;
  /** Fields added to every record. */
  fields?: LogFields;
  /** The clock, for tests. */
  now?: () => Date;
}


const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function writeStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * Creates a logger. Secrets never reach the output: every record goes
 * through `redact` (credential headers dropped, secret-named fields and
 * token-shaped strings replaced).
 *
 * @example
 * ```ts
 * const log = createLogger({ level: 'debug', format: 'pretty', color: true });
 * log.info('listening', { port: 3000 });
 * log.child({ component: 'proxy' }).warn('upstream slow', { latencyMs: 812 });
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? 'json';
  const write = options.write ?? writeStdout;
  const now = options.now ?? (() => new Date());
  const color = Boolean(options.color) && format === 'pretty';
  const base = options.fields ?? {};

  function enabled(wanted: Exclude<LogLevel, 'silent'>): boolean {
    return RANK[wanted] >= RANK[level];
  }

  function log(recordLevel: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void {
    if (!enabled(recordLevel)) return;
    const record = redact({ time: now().toISOString(), level: recordLevel, msg, ...base, ...fields }) as LogRecord;
    // Explicit fields must not replace what every record relies on.
    record.level = recordLevel;
    try {
      write(format === 'json' ? toJson(record) : formatPretty(record, color));
    } catch {
      // A log line that cannot be written (closed pipe) must not take the server down.
    }
  }

  return {
    level,
    format,
    enabled,
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** BigInts (e.g. byte counts) would make JSON.stringify throw. */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * The record as one JSON line. A replacer function sends JSON.stringify down
 * its slow path (a call per key) on every record, so it is used only for
 * the rare record that holds a BigInt, the one thing that throws without it.
 */
function toJson(record: LogRecord): string {
  try {
    return JSON.stringify(record);
  } catch {
    return JSON.stringify(record, jsonSafe);
  }
}

/** A logger that writes nothing, for code that takes an optional logger. */
export const silentLogger: Logger = createLogger({ level: 'silent', write: () => {} });
