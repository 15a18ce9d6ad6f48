import { ConfigError } from '../errors.js';

/**
 * The value parsers of every setting given as text: env vars and flags.
 * Each takes the text and where it came from (`OAUTH_CLOCK_TOLERANCE`,
 * `--idle-timeout`) and throws a `ConfigError` that names both.
 */

/** Reads one setting's text; `from` names the env var or flag in the error. */
export type ValueParser<T = unknown> = (value: string, from: string) => T;

/** The text as given. */
export const text: ValueParser<string> = (value) => value;

/**
 * Words separated by commas or spaces.
 *
 * @example
 * ```ts
 * list('a, b c', 'OAUTH_SCOPES'); // ['a', 'b', 'c']
 * ```
 */
export const list: ValueParser<string[]> = (value) => value.split(/[\s,]+/).filter(Boolean);

/** One word as a string, several as a list (an audience). */
export const oneOrMany: ValueParser<string | string[]> = (value, from) => {
  const words = list(value, from);
  return words.length > 1 ? words : value;
};

/**
 * `1/true/yes/on` or `0/false/no/off`, any case.
 *
 * @example
 * ```ts
 * bool('yes', 'GATEHOUSE_TRUST_PROXY'); // true
 * ```
 */
export const bool: ValueParser<boolean> = (value, from) => {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${from}="${value}" is not a boolean: use true or false`);
};

/** Any finite number; the schema checks its range. */
export const num: ValueParser<number> = (value, from) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${from}="${value}" is not a number`);
  return n;
};

/**
 * A whole number (a count: processes, entries).
 *
 * @example
 * ```ts
 * parseCount('20', 'GATEHOUSE_MAX_CHILDREN'); // 20
 * ```
 */
export const parseCount: ValueParser<number> = (value, from) => {
  if (!/^\d+$/.test(value)) throw new ConfigError(`${from}="${value}" is not a whole number`);
  return Number(value);
};

/** A number of seconds, 0 or more, without a unit. */
export const seconds: ValueParser<number> = (value, from) => {
  const n = Number(value);
  if (value.trim() !== '' && Number.isFinite(n) && n >= 0) return n;
  throw new ConfigError(`${from}="${value}" is not a number of seconds`);
};

/**
 * A TCP port, 0-65535.
 *
 * @example
 * ```ts
 * port('8080', 'PORT'); // 8080
 * ```
 */
export const port: ValueParser<number> = (value, from) => {
  const n = Number(value);
  if (/^\d+$/.test(value.trim()) && n <= 65535) return n;
  throw new ConfigError(`${from}="${value}" is not a port number (0-65535)`);
};

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * Seconds from `30`, `1.5`, `500ms`, `30s`, `10m` or `1h`.
 *
 * @example
 * ```ts
 * parseDuration('10m', '--idle-timeout'); // 600
 * ```
 */
export function parseDuration(value: string, from: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!match) throw new ConfigError(`${from}="${value}" is not a duration (e.g. 30, 30s, 500ms, 10m)`);
  return Number(match[1]) * UNIT_SECONDS[match[2] ?? 's']!;
}

/** JSON of any shape; the schema checks it. */
export const json: ValueParser = (value, from) => {
  try {
    return JSON.parse(value);
  } catch {
    throw new ConfigError(`${from} is not valid JSON: ${value.slice(0, 80)}`);
  }
};

/**
 * Lists by name, as tool scopes (`OAUTH_TOOL_SCOPES`) and role scopes
 * (`GATEHOUSE_ROLES`) are given: JSON (`{"delete_file":["files:write"]}`)
 * or the short form `delete_file=files:write files:admin;other=x`.
 *
 * @example
 * ```ts
 * listsByName('admin=mcp:admin;ops=a b', 'GATEHOUSE_ROLES'); // { admin: ['mcp:admin'], ops: ['a', 'b'] }
 * ```
 */
export const listsByName: ValueParser<Record<string, string[]>> = (value, from) => {
  if (value.trim().startsWith('{')) return json(value, from) as Record<string, string[]>;
  const out: Record<string, string[]> = {};
  for (const part of value.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${from}: "${part}" should look like tool=scope1 scope2 (tools separated by ";")`);
    out[part.slice(0, eq).trim()] = list(part.slice(eq + 1), from);
  }
  return out;
};

/** A command: a JSON array, or words separated by spaces. */
export const command: ValueParser<string[]> = (value, from) => {
  if (!value.trim().startsWith('[')) return value.trim().split(/\s+/);
  try {
    return JSON.parse(value) as string[];
  } catch {
    throw new ConfigError(`${from} is not a valid JSON array: ${value.slice(0, 80)}`);
  }
};

/** The env vars of a section, by setting path: `{ 'jwt.jwksUri': ['OAUTH_JWKS_URL'] }`; no parser means the text as given. */
export type EnvTable = Record<string, [name: string, parse?: ValueParser]>;
