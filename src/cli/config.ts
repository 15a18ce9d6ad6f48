import { parseArgs } from 'node:util';
import { configFromEnv, readEnv } from '../config/env.js';
import { CLI_ENV_NAMES, FILE_ENV_NAMES, publishedConfigSchema } from '../config/file-shape.js';
import { unknownSettings } from '../config/json-schema.js';
import { unknownFileSettings } from '../config/unknown-settings.js';
import { unknownEnvNames, type UnknownEnvName } from '../config/unknown-env.js';
import { configFilePath, loadConfigFile } from '../config/load-file.js';
import { mergeConfig } from '../config/merge.js';
import { resolveConfig } from '../config/resolve.js';
import type { ConfigLayer, GatehouseConfig } from '../config/schema.js';
import { mergedProxySettings, proxySettingsFromEnv, resolveProxySettings } from '../config/sections/proxy.js';
import { GatehouseError } from '../errors.js';
import { redact, redactString } from '../log/redact.js';
import { loggerFromSettings } from '../log/settings.js';
import { flattenSettings, originsOf, type NamedLayer } from './config-sources.js';
import { UsageError, type Io } from './io.js';
import { RUNTIME_OPTIONS, runtimeSettings } from './runtime-settings.js';
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
  --json               Print JSON: { ok, file, mode, unknown, unknownEnv, config, sources } (or { ok: false, error })
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

/**
 * Each setting an env var of the CLI's sections sets, as its text: enough
 * to tell where a setting came from (their values are checked where they are read).
 */
function cliSettingsSetByEnv(env: NodeJS.ProcessEnv): ConfigLayer {
  return readEnv(Object.fromEntries(Object.entries(CLI_ENV_NAMES).map(([path, name]) => [path, [name]])), env) as ConfigLayer;
}

interface Checked {
  file?: string;
  mode: string;
  config: Record<string, unknown>;
  sources: Record<string, string>;
  unknown: string[];
  /** The config file as read, for the hints beside its unknown settings. */
  rawFile: unknown;
  /** `OAUTH_*`/`GATEHOUSE_*` variables no setting reads. */
  unknownEnv: UnknownEnvName[];
  /** Broker mode: the upstream's provider and the one callback to register there. */
  broker?: { provider: string; callback: string };
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
  const proxyFromEnv = proxySettingsFromEnv(env);
  const proxyFromFile = (fromFile as Record<string, unknown>).proxy;
  const hasProxy = (typeof proxyFromFile === 'object' && proxyFromFile !== null && Object.keys(proxyFromFile).length > 0) || Object.keys(proxyFromEnv).length > 0;
  const effective: Record<string, unknown> = { mode: config.mode, issuer: config.issuer, publicUrl: config.publicUrl, ...config, server: { host: runtime.host, port: runtime.port, shutdownTimeoutSec: runtime.shutdownTimeoutMs / 1000 }, log: { format: runtime.log.format ?? 'auto', level: runtime.log.level ?? 'info' } };
  // Flags of `gatehouse proxy` belong to that command; the file and env vars say what it would start with.
  if (hasProxy) effective.proxy = resolveProxySettings(mergedProxySettings(fromFile as Record<string, unknown>, env));
  const layers: NamedLayer[] = [
    { kind: 'file', layer: fromFile },
    { kind: 'env', layer: mergeConfig(fromEnv, cliSettingsSetByEnv(env)) },
    { kind: 'flag', layer: mergeConfig(flags, { server: { port: str('port'), host: str('host') }, log: { format: str('log-format'), level: str('log-level') } } as ConfigLayer), flagNames: FLAG_NAMES },
  ];
  const safe = redact(effective);
  const paths = Object.keys(flattenSettings(safe));
  return {
    file,
    mode: String(config.mode),
    config: safe,
    sources: originsOf(paths, layers, FILE_ENV_NAMES),
    unknown: unknownSettings(fromFile, publishedConfigSchema()),
    rawFile: fromFile,
    unknownEnv: unknownEnvNames(env),
    ...brokerOf(config as unknown as GatehouseConfig),
  };
}

/** The broker's provider and callback (`<PUBLIC_URL><routePrefix>/upstream/callback`), when an upstream is configured. */
function brokerOf(config: GatehouseConfig): Pick<Checked, 'broker'> {
  if (!config.upstream || config.mode !== 'authority') return {};
  return { broker: { provider: config.upstream.provider, callback: `${config.issuer}${config.authority.routePrefix}/upstream/callback` } };
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function printText(result: Checked, io: Io): void {
  const flat = flattenSettings(result.config);
  const width = Math.max(...Object.keys(flat).map((p) => p.length));
  // An unknown setting fails the check (exit 1): the headline must not say OK.
  const unknown = result.unknown.length + result.unknownEnv.length;
  const headline = unknown === 0 ? green(bold('Config OK')) : red(bold(`Config has ${unknown} unknown setting(s)`));
  io.out(`${headline}: ${result.mode} mode${result.broker ? ` (broker: users sign in at ${result.broker.provider})` : ''}; file ${result.file ?? 'none'}`);
  if (result.broker) io.out(`  register this redirect URI (callback) at the upstream: ${bold(result.broker.callback)}`);
  for (const { path, closest } of unknownFileSettings(result.rawFile)) {
    io.out(yellow(`  unknown setting "${path}" in ${result.file} (ignored${closest ? `: did you mean "${closest}"?` : ': misspelt or misplaced?'})`));
  }
  for (const { name, closest } of result.unknownEnv) {
    io.out(yellow(`  unknown environment variable ${name} (ignored${closest ? `: did you mean ${closest}?` : ': no setting reads it'})`));
  }
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
  const ok = result.unknown.length === 0 && result.unknownEnv.length === 0;
  if (values.json) io.out(JSON.stringify({ ok, file: result.file ?? null, mode: result.mode, ...(result.broker ? { broker: result.broker } : {}), unknown: result.unknown, unknownEnv: result.unknownEnv, config: result.config, sources: result.sources }, null, 2));
  else printText(result, io);
  return ok ? 0 : 1;
}
