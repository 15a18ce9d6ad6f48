import { parseArgs } from 'node:util';
import { configFromEnv } from '../config/env.js';
import { configJsonSchema, unknownSettings } from '../config/json-schema.js';
import { configFilePath, loadConfigFile } from '../config/load-file.js';
import { mergeConfig } from '../config/merge.js';
import { resolveConfig } from '../config/resolve.js';
import type { ConfigLayer } from '../config/schema.js';
import { ENV_NAMES } from '../config/env.js';
import { GatehouseError } from '../errors.js';
import { redact, redactString } from '../log/redact.js';
import { loggerFromSettings } from '../log/settings.js';
import { PROXY_ENV_NAMES, proxySettingsFromEnv, proxySettingsSchema, resolveProxySettings, type ProxySettingsInput } from '../proxy/settings.js';
import { flattenSettings, originsOf, type NamedLayer } from './config-sources.js';
import { UsageError, type Io } from './io.js';
import { CLI_ENV_NAMES, CLI_SECTIONS, RUNTIME_OPTIONS, runtimeSettings } from './runtime-settings.js';
import { bold, dim, green, red, yellow } from './style.js';

export const CONFIG_USAGE = `Usage: gatehouse config <check|schema> [options]

Commands:
  check                Validate the settings a server command would use (config
                       file, env vars, flags) and print them, each with where it
                       came from. Secrets are shown as [redacted]. Exit code 1
                       when something is wrong.
  schema               Print the JSON Schema of the config file, for editors

Options (check):
  --config <file>      Config file                (env GATEHOUSE_CONFIG; default: gatehouse.config.json,
                                                   .yaml or .yml in this directory)
  --issuer <url>       As the server commands     (env OAUTH_ISSUER_URL)
  --audience <aud>     As the server commands     (env OAUTH_AUDIENCE)
  --public-url <url>   As the server commands     (env PUBLIC_URL)
  --port <n>, --host <host>, --log-format <fmt>, --log-level <level>
                       As the server commands     (env PORT, HOST, GATEHOUSE_LOG_FORMAT, GATEHOUSE_LOG_LEVEL)
  --json               Print JSON: { ok, file, mode, unknown, config, sources } (or { ok: false, error })
  -h, --help           Show this help

Settings apply in this order, later ones winning: config file, env vars, flags.
A config file may name its schema for editors:
  { "$schema": "./node_modules/mcp-gatehouse/schema/gatehouse.config.schema.json", ... }
  # yaml-language-server: $schema=./node_modules/mcp-gatehouse/schema/gatehouse.config.schema.json

Examples:
  gatehouse config check
  gatehouse config check --config deploy/gatehouse.config.yaml --json
  OAUTH_ISSUER_URL=https://login.example.com gatehouse config check --public-url https://mcp.example.com
  gatehouse config schema > gatehouse.config.schema.json
`;

const FLAG_NAMES: Record<string, string> = {
  issuer: '--issuer',
  audience: '--audience',
  publicUrl: '--public-url',
  'server.port': '--port',
  'server.host': '--host',
  'log.format': '--log-format',
  'log.level': '--log-level',
};

/** Env vars of the CLI's sections, by setting path (`proxy.upstream`: `GATEHOUSE_UPSTREAM`). */
const SECTION_ENV_NAMES: Record<string, string> = {
  ...CLI_ENV_NAMES,
  ...Object.fromEntries(Object.entries(PROXY_ENV_NAMES).map(([key, name]) => [`proxy.${key}`, name])),
};

/**
 * The JSON Schema of the config file as published in
 * `schema/gatehouse.config.schema.json`: the core config and the sections
 * of the CLI's commands (`server`, `log`, `proxy`).
 *
 * @example
 * ```ts
 * JSON.stringify(publishedConfigSchema(), null, 2);
 * ```
 */
export function publishedConfigSchema() {
  return configJsonSchema({ ...CLI_SECTIONS, proxy: proxySettingsSchema.optional() }, SECTION_ENV_NAMES);
}

/** The proxy's settings from the file and env vars, when either has any (flags belong to `gatehouse proxy`). */
function proxySection(fromFile: Record<string, unknown>, env: NodeJS.ProcessEnv): { file: ProxySettingsInput; env: ProxySettingsInput; effective?: Record<string, unknown> } {
  const file = (typeof fromFile.proxy === 'object' && fromFile.proxy !== null ? fromFile.proxy : {}) as ProxySettingsInput;
  const fromEnv = proxySettingsFromEnv(env);
  if (Object.keys(file).length === 0 && Object.keys(fromEnv).length === 0) return { file, env: fromEnv };
  // An upstream in one layer replaces a command in an earlier one, and the other way round.
  const merged: Record<string, unknown> = { ...file };
  if (fromEnv.upstream !== undefined) delete merged.command;
  if (fromEnv.command !== undefined) delete merged.upstream;
  Object.assign(merged, Object.fromEntries(Object.entries(fromEnv).filter(([, v]) => v !== undefined)));
  return { file, env: fromEnv, effective: resolveProxySettings(merged as ProxySettingsInput) as Record<string, unknown> };
}

function cliEnvLayer(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const value = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const port = value('PORT');
  const timeout = value('GATEHOUSE_SHUTDOWN_TIMEOUT');
  return {
    server: { host: value('HOST'), port: port === undefined ? undefined : Number(port), shutdownTimeoutSec: timeout === undefined ? undefined : Number(timeout) },
    log: { format: value('GATEHOUSE_LOG_FORMAT'), level: value('GATEHOUSE_LOG_LEVEL') },
  };
}

interface Checked {
  file?: string;
  mode: string;
  config: Record<string, unknown>;
  sources: Record<string, string>;
  unknown: string[];
}

async function check(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): Promise<Checked> {
  const file = configFilePath(values.config as string | undefined, env, process.cwd());
  const fromFile = file ? await loadConfigFile(file) : {};
  const fromEnv = configFromEnv(env);
  const str = (name: string) => values[name] as string | undefined;
  const flags: ConfigLayer = { issuer: str('issuer'), audience: str('audience'), publicUrl: str('public-url') };
  const runtime = runtimeSettings({ port: str('port'), host: str('host'), 'log-format': str('log-format'), 'log-level': str('log-level') }, env, fromFile as Record<string, unknown>);
  loggerFromSettings(runtime.log, { write: () => {} });
  const merged = mergeConfig(fromFile, fromEnv, flags);
  // As the server commands do: no PUBLIC_URL means http://localhost:<port>.
  const config = resolveConfig({ ...merged, publicUrl: merged.publicUrl ?? `http://localhost:${runtime.port}` }) as unknown as Record<string, unknown>;
  const proxy = proxySection(fromFile as Record<string, unknown>, env);
  const effective: Record<string, unknown> = { mode: config.mode, issuer: config.issuer, publicUrl: config.publicUrl, ...config, server: { host: runtime.host, port: runtime.port, shutdownTimeoutSec: runtime.shutdownTimeoutMs / 1000 }, log: { format: runtime.log.format ?? 'auto', level: runtime.log.level ?? 'info' } };
  if (proxy.effective) effective.proxy = proxy.effective;
  const layers: NamedLayer[] = [
    { kind: 'file', layer: fromFile },
    { kind: 'env', layer: mergeConfig(fromEnv, cliEnvLayer(env) as ConfigLayer, { proxy: proxy.env } as ConfigLayer) },
    { kind: 'flag', layer: mergeConfig(flags, { server: { port: str('port'), host: str('host') }, log: { format: str('log-format'), level: str('log-level') } } as ConfigLayer), flagNames: FLAG_NAMES },
  ];
  const safe = redact(effective);
  const paths = Object.keys(flattenSettings(safe));
  return {
    file,
    mode: String(config.mode),
    config: safe,
    sources: originsOf(paths, layers, { ...ENV_NAMES, ...SECTION_ENV_NAMES }),
    unknown: unknownSettings(fromFile, publishedConfigSchema()),
  };
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function printText(result: Checked, io: Io): void {
  const flat = flattenSettings(result.config);
  const width = Math.max(...Object.keys(flat).map((p) => p.length));
  // An unknown setting fails the check (exit 1): the headline must not say OK.
  const headline = result.unknown.length === 0 ? green(bold('Config OK')) : red(bold(`Config has ${result.unknown.length} unknown setting(s)`));
  io.out(`${headline}: ${result.mode} mode; file ${result.file ?? 'none'}`);
  for (const path of result.unknown) io.out(yellow(`  unknown setting "${path}" in ${result.file} (ignored: misspelt or misplaced?)`));
  io.out('');
  for (const [path, value] of Object.entries(flat)) {
    const origin = result.sources[path] ?? 'default';
    const line = `  ${path.padEnd(width)}  ${show(value)}`;
    io.out(origin === 'default' ? `${line}  ${dim('(default)')}` : `${line}  (${origin})`);
  }
}

/**
 * `gatehouse config check|schema`. `check` resolves to 0 when the settings
 * are valid and every setting of the file is known, 1 otherwise.
 *
 * @example
 * ```ts
 * process.exitCode = await runConfig(['check', '--json'], process.env, io);
 * ```
 */
export async function runConfig(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      ...RUNTIME_OPTIONS,
      config: { type: 'string' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      'public-url': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...extra] = positionals;
  if (values.help || command === 'help') {
    io.out(CONFIG_USAGE);
    return 0;
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (command === 'schema') {
    io.out(`${JSON.stringify(publishedConfigSchema(), null, 2)}\n`);
    return 0;
  }
  if (command !== 'check') throw new UsageError(command ? `unknown config command "${command}": use check or schema` : 'a command is required: check or schema');
  let result: Checked;
  try {
    result = await check(values, env);
  } catch (err) {
    if (!(err instanceof GatehouseError)) throw err;
    // A wrong value may be quoted in the message; a secret must not be.
    const message = redactString(err.message);
    if (values.json) io.out(JSON.stringify({ ok: false, error: message, code: err.code }, null, 2));
    else io.err(red(`gatehouse config check: ${message}`, process.stderr));
    return 1;
  }
  const ok = result.unknown.length === 0;
  if (values.json) io.out(JSON.stringify({ ok, file: result.file ?? null, mode: result.mode, unknown: result.unknown, config: result.config, sources: result.sources }, null, 2));
  else printText(result, io);
  return ok ? 0 : 1;
}
