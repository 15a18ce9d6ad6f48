import { configFromEnv } from '../config/env.js';
import { configFilePath, loadConfigFile } from '../config/load-file.js';
import { mergeConfig } from '../config/merge.js';
import type { ConfigLayer } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { UsageError } from './io.js';
import { runtimeSettings } from './runtime-settings.js';

/** What the commands that run a server (`demo`, `proxy`) read the same way. */

/**
 * A port number from a flag (bad usage) or an env var (bad config).
 *
 * @example
 * ```ts
 * parsePort('8080', '--port'); // 8080
 * ```
 */
export function parsePort(value: string, from: '--port' | 'PORT'): number {
  const port = Number(value);
  if (/^\d+$/.test(value.trim()) && port <= 65535) return port;
  const message = `${from}="${value}" is not a port number (0-65535)`;
  throw from === 'PORT' ? new ConfigError(message) : new UsageError(message);
}

/**
 * Where to listen: `--host`/`--port`, else `HOST`/`PORT`, else the config
 * file's `server` section, else localhost:3000.
 *
 * @example
 * ```ts
 * const { host, port } = listenAddress({ port: values.port, host: values.host }, process.env);
 * ```
 */
export function listenAddress(flags: { host?: string; port?: string }, env: NodeJS.ProcessEnv, file: Record<string, unknown> = {}): { host: string; port: number } {
  const { host, port } = runtimeSettings({ host: flags.host, port: flags.port }, env, file);
  return { host, port };
}

/** The config layers of a command, merged, and the config file as read (for sections the core does not know). */
export interface LoadedLayers {
  layers: ConfigLayer;
  file: Record<string, unknown>;
}

/**
 * Merges a command's settings, later ones winning: its defaults, the config
 * file (`--config`, `GATEHOUSE_CONFIG`, or gatehouse.config.json|yaml|yml in
 * the working directory), env vars, flags.
 *
 * @example
 * ```ts
 * const { layers } = await loadLayers(DEMO_DEFAULTS, values.config, env, { issuer: values.issuer });
 * ```
 */
export async function loadLayers(defaults: ConfigLayer, configFlag: string | undefined, env: NodeJS.ProcessEnv, flags: ConfigLayer): Promise<LoadedLayers> {
  const path = configFilePath(configFlag, env, process.cwd());
  const file = path ? await loadConfigFile(path) : {};
  return { layers: mergeConfig(defaults, file, configFromEnv(env), flags), file: file as Record<string, unknown> };
}

/**
 * Resolves with the first SIGINT or SIGTERM.
 *
 * @example
 * ```ts
 * const signal = await waitForSignal();
 * io.out(`Received ${signal}, shutting down`);
 * ```
 */
export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    function onSignal(signal: NodeJS.Signals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
