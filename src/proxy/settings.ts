import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * The proxy's own settings: the `proxy` section of the config file, the
 * `GATEHOUSE_*` env vars below, and the flags of `gatehouse proxy`, later
 * ones winning. Durations are seconds in the file; env vars and flags also
 * take `500ms`, `30s`, `10m`, `1h`.
 */

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name (letters, digits, _)');

export const proxySettingsSchema = z
  .object({
    /** The Streamable HTTP MCP server to put behind the gate, e.g. `http://127.0.0.1:8080/mcp`. */
    upstream: z
      .string()
      .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http: or https: URL')
      .optional(),
    /** Or: the stdio MCP server to run, as a command and its arguments. */
    command: z.array(z.string().min(1)).min(1).optional(),
    /** Seconds from sending a request until the upstream's response headers. */
    upstreamTimeoutSec: z.number().positive().max(3600).default(120),
    /** Seconds to open a connection to the upstream. */
    connectTimeoutSec: z.number().positive().max(600).default(10),
    /** Send `X-Gatehouse-Subject`/`-Client-Id`/`-Scopes` too. Default: only to a loopback upstream. */
    trustUpstream: z.boolean().optional(),
    /** Lifetime of the `X-Gatehouse-Assertion` JWT. */
    assertionTtlSec: z.number().int().min(10).max(3600).default(60),
    /** An upstream session's owner is forgotten (and the session refused) after this long without a request. */
    sessionTtlSec: z.number().positive().default(86_400),
    /** stdio: one child for everybody instead of one per user. */
    shared: z.boolean().default(false),
    /** stdio: a child with no traffic for this long is stopped (its sessions end). */
    idleTimeoutSec: z.number().positive().default(600),
    /** stdio: at most this many children at once; a new user beyond it waits for an idle one to go. */
    maxChildren: z.number().int().min(1).max(10_000).default(100),
    /** Sessions one user may hold at once (stdio bridge, and sessions an upstream hands out); an initialize beyond gets 429. */
    maxSessionsPerUser: z.number().int().min(1).max(100_000).default(50),
    /** stdio: the longest wait between restarts of a child that keeps exiting. */
    restartBackoffMaxSec: z.number().positive().max(3600).default(30),
    /** stdio: the variable that carries the caller's subject into their child. */
    envSubject: envName.optional(),
    /** stdio: variables passed from Gatehouse's environment to the child. */
    passEnv: z.array(envName).default([]),
    /** stdio: fixed variables for the child. */
    env: z.record(envName, z.string()).default({}),
    /** stdio: the child's working directory. */
    cwd: z.string().min(1).optional(),
  })
  .check(function oneTarget(ctx) {
    const { upstream, command, shared, envSubject } = ctx.value;
    if (upstream && command) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: 'give either an upstream URL or a command, not both' });
    }
    if (shared && envSubject) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['envSubject'], message: 'a shared child serves every user: it cannot carry one subject' });
    }
  });

/** The proxy's settings as given (any may be missing). */
export type ProxySettingsInput = z.input<typeof proxySettingsSchema>;
/** The proxy's settings with defaults filled in. */
export type ProxySettings = z.output<typeof proxySettingsSchema>;

/** Which env var sets which proxy setting. */
export const PROXY_ENV_NAMES: Record<string, string> = {
  upstream: 'GATEHOUSE_UPSTREAM',
  command: 'GATEHOUSE_PROXY_COMMAND',
  upstreamTimeoutSec: 'GATEHOUSE_UPSTREAM_TIMEOUT',
  connectTimeoutSec: 'GATEHOUSE_CONNECT_TIMEOUT',
  trustUpstream: 'GATEHOUSE_TRUST_UPSTREAM',
  shared: 'GATEHOUSE_PROXY_SHARED',
  idleTimeoutSec: 'GATEHOUSE_IDLE_TIMEOUT',
  maxChildren: 'GATEHOUSE_MAX_CHILDREN',
  maxSessionsPerUser: 'GATEHOUSE_MAX_SESSIONS_PER_USER',
  envSubject: 'GATEHOUSE_ENV_SUBJECT',
  passEnv: 'GATEHOUSE_PASS_ENV',
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

function parseBool(value: string, from: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${from}="${value}" is not a boolean: use true or false`);
}

/**
 * A whole number (a count: processes, entries).
 *
 * @example
 * ```ts
 * parseCount('20', 'GATEHOUSE_MAX_CHILDREN'); // 20
 * ```
 */
export function parseCount(value: string, from: string): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(`${from}="${value}" is not a whole number`);
  return Number(value);
}

/** A command from an env var: a JSON array, or words separated by spaces. */
function parseCommand(value: string, from: string): string[] {
  if (!value.trim().startsWith('[')) return value.trim().split(/\s+/);
  try {
    return JSON.parse(value) as string[];
  } catch {
    throw new ConfigError(`${from} is not a valid JSON array: ${value.slice(0, 80)}`);
  }
}

/**
 * Reads the proxy's settings from env vars; unset and empty ones are left out.
 *
 * @example
 * ```ts
 * proxySettingsFromEnv({ GATEHOUSE_UPSTREAM: 'http://127.0.0.1:8080/mcp' }); // { upstream: 'http://127.0.0.1:8080/mcp' }
 * ```
 */
export function proxySettingsFromEnv(env: Record<string, string | undefined>): ProxySettingsInput {
  const out: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(PROXY_ENV_NAMES)) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    if (key.endsWith('Sec')) out[key] = parseDuration(raw, name);
    else if (key === 'trustUpstream' || key === 'shared') out[key] = parseBool(raw, name);
    else if (key === 'passEnv') out[key] = raw.split(/[\s,]+/).filter(Boolean);
    else if (key === 'maxChildren' || key === 'maxSessionsPerUser') out[key] = parseCount(raw, name);
    else if (key === 'command') out[key] = parseCommand(raw, name);
    else out[key] = raw;
  }
  return out as ProxySettingsInput;
}

/**
 * Validates merged proxy settings and fills in defaults; a `ConfigError`
 * names each wrong setting with its env var.
 *
 * @example
 * ```ts
 * const settings = resolveProxySettings({ ...fromFile, ...proxySettingsFromEnv(env), ...fromFlags });
 * ```
 */
export function resolveProxySettings(input: ProxySettingsInput): ProxySettings {
  const result = proxySettingsSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map(function describe(issue) {
    const key = String(issue.path[0] ?? '');
    const where = key ? `proxy.${key}${PROXY_ENV_NAMES[key] ? ` (${PROXY_ENV_NAMES[key]})` : ''}: ` : 'proxy: ';
    return `  - ${where}${issue.message}`;
  });
  throw new ConfigError(`Invalid proxy settings:\n${lines.join('\n')}`);
}
