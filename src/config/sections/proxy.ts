import { z } from 'zod';
import { envNames, readEnv } from '../env.js';
import { mergeLayers } from '../merge.js';
import { describeIssues } from '../issues.js';
import { bool, command, list, parseCount, parseDuration, type EnvTable } from '../values.js';

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

/** Env vars of the `proxy` section, by setting path. */
export const PROXY_ENV: EnvTable = {
  'proxy.upstream': ['GATEHOUSE_UPSTREAM'],
  'proxy.command': ['GATEHOUSE_PROXY_COMMAND', command],
  'proxy.upstreamTimeoutSec': ['GATEHOUSE_UPSTREAM_TIMEOUT', parseDuration],
  'proxy.connectTimeoutSec': ['GATEHOUSE_CONNECT_TIMEOUT', parseDuration],
  'proxy.trustUpstream': ['GATEHOUSE_TRUST_UPSTREAM', bool],
  'proxy.shared': ['GATEHOUSE_PROXY_SHARED', bool],
  'proxy.idleTimeoutSec': ['GATEHOUSE_IDLE_TIMEOUT', parseDuration],
  'proxy.maxChildren': ['GATEHOUSE_MAX_CHILDREN', parseCount],
  'proxy.maxSessionsPerUser': ['GATEHOUSE_MAX_SESSIONS_PER_USER', parseCount],
  'proxy.envSubject': ['GATEHOUSE_ENV_SUBJECT'],
  'proxy.passEnv': ['GATEHOUSE_PASS_ENV', list],
};

/** Which env var sets which proxy setting, by its key in the section. */
export const PROXY_ENV_NAMES: Record<string, string> = Object.fromEntries(Object.entries(PROXY_ENV).map(([path, [name]]) => [path.slice('proxy.'.length), name]));

/**
 * Reads the proxy's settings from env vars; unset and empty ones are left out.
 *
 * @example
 * ```ts
 * proxySettingsFromEnv({ GATEHOUSE_UPSTREAM: 'http://127.0.0.1:8080/mcp' }); // { upstream: 'http://127.0.0.1:8080/mcp' }
 * ```
 */
export function proxySettingsFromEnv(env: Record<string, string | undefined>): ProxySettingsInput {
  return (readEnv(PROXY_ENV, env).proxy ?? {}) as ProxySettingsInput;
}

/**
 * Validates merged proxy settings and fills in defaults; a `ConfigError`
 * names each wrong setting with its env var.
 *
 * @example
 * ```ts
 * const settings = resolveProxySettings(mergeConfig(fromFile, { proxy: proxySettingsFromEnv(env) }, fromFlags).proxy ?? {});
 * ```
 */
export function resolveProxySettings(input: ProxySettingsInput): ProxySettings {
  const result = proxySettingsSchema.safeParse(input);
  if (result.success) return result.data;
  throw describeIssues(result.error, input, { title: 'Invalid proxy settings', envNames: envNames(PROXY_ENV), section: ['proxy'], settingOnly: true });
}

/**
 * The proxy's settings from the config file's `proxy` section, the env vars
 * and the flags, later ones winning, not yet checked: an upstream in one
 * layer replaces a command of an earlier one, and back.
 *
 * @example
 * ```ts
 * const settings = resolveProxySettings(mergedProxySettings(file, process.env, { upstream: values.upstream }));
 * ```
 */
export function mergedProxySettings(file: Record<string, unknown>, env: Record<string, string | undefined>, flags: ProxySettingsInput = {}): ProxySettingsInput {
  const fromFile = (typeof file.proxy === 'object' && file.proxy !== null ? file.proxy : {}) as ProxySettingsInput;
  return mergeLayers<{ proxy?: ProxySettingsInput }>({ proxy: fromFile }, { proxy: proxySettingsFromEnv(env) }, { proxy: flags }).proxy ?? {};
}
