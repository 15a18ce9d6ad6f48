import type { LogRecord } from './logger.js';

/** One readable line per record, for a person at a terminal: `12:04:05.120 INFO  POST /mcp 200 allowed 12ms subject=alice`. */

const LEVEL_COLORS: Record<string, number> = { debug: 90, info: 36, warn: 33, error: 31 };
const DECISION_COLORS: Record<string, number> = { allowed: 32, challenged: 33, forbidden: 35, error: 31 };

/** Fields shown in the head of a request line, not again as key=value. */
const REQUEST_FIELDS = new Set(['time', 'level', 'msg', 'method', 'path', 'status', 'decision', 'latencyMs']);

function paint(text: string, code: number | undefined, color: boolean): string {
  return color && code !== undefined ? `\x1b[${code}m${text}\x1b[39m` : text;
}

function clock(iso: string): string {
  const at = iso.indexOf('T');
  return at < 0 ? iso : iso.slice(at + 1, at + 13);
}

function statusColor(status: number): number {
  if (status >= 500) return 31;
  if (status >= 400) return 33;
  return 32;
}

function show(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

function isRequestRecord(record: LogRecord): boolean {
  return typeof record.method === 'string' && typeof record.path === 'string' && typeof record.status === 'number';
}

/**
 * Formats a (redacted) record as one line; colors only when `color` is set,
 * which the caller decides from the TTY and `NO_COLOR`.
 *
 * @example
 * ```ts
 * formatPretty({ time: '2026-01-01T12:04:05.120Z', level: 'info', msg: 'listening', port: 3000 }, false);
 * // '12:04:05.120 INFO  listening port=3000'
 * ```
 */
export function formatPretty(record: LogRecord, color: boolean): string {
  const level = paint(record.level.toUpperCase().padEnd(5), LEVEL_COLORS[record.level], color);
  const head = [paint(clock(record.time), 90, color), level];
  let skip = new Set(['time', 'level', 'msg']);
  if (isRequestRecord(record)) {
    const status = record.status as number;
    head.push(`${record.method as string} ${record.path as string}`, paint(String(status), statusColor(status), color));
    if (typeof record.decision === 'string') head.push(paint(record.decision, DECISION_COLORS[record.decision], color));
    if (typeof record.latencyMs === 'number') head.push(`${record.latencyMs}ms`);
    if (record.msg !== 'request') head.push(record.msg);
    skip = REQUEST_FIELDS;
  } else {
    head.push(record.msg);
  }
  const rest = Object.entries(record)
    .filter(([key, value]) => !skip.has(key) && value !== undefined)
    .map(([key, value]) => `${paint(key, 90, color)}=${show(value)}`);
  return [...head, ...rest].join(' ');
}
