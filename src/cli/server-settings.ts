import { configFromEnv } from '../config/env.js';
import { configFilePath, loadConfigFile } from '../config/load-file.js';
import { mergeConfig } from '../config/merge.js';
import type { ConfigLayer } from '../config/schema.js';
import { unknownSettingLines } from '../config/unknown-settings.js';
import { ConfigError } from '../errors.js';

/** What the commands that run a server (`demo`, `proxy`) read the same way. */

/** The config layers of a command, merged, and the config file as read (for sections the core does not know). */
export interface LoadedLayers {
  layers: ConfigLayer;
  file: Record<string, unknown>;
  /** The config file's path, when there is one. */
  path?: string;
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
  return { layers: mergeConfig(defaults, file, configFromEnv(env), flags), file: file as Record<string, unknown>, path };
}

/**
 * Says so when a setting is wrong: each key of the config file and each
 * `OAUTH_*`/`GATEHOUSE_*` variable no setting reads, with the name it
 * most likely meant, as a warning; with `--strict`, or in production
 * (`GATEHOUSE_ENV=production`), as a `ConfigError` that stops the start:
 * there a misspelt setting silently left at its default is an outage or a hole.
 *
 * @example
 * ```ts
 * checkSettingNames(file, env, layers, { strict: values.strict, warn: (line) => io.err(line) });
 * ```
 */
export function checkSettingNames(
  file: Record<string, unknown>,
  env: Record<string, string | undefined>,
  layers: ConfigLayer,
  options: { strict?: boolean; warn: (line: string) => void; fileName?: string },
): void {
  const lines = unknownSettingLines(file, env, options.fileName);
  if (lines.length === 0) return;
  const production = layers.authority?.env === 'production';
  if (options.strict || production) {
    const why = options.strict ? '--strict' : 'production (GATEHOUSE_ENV=production)';
    throw new ConfigError(`Unknown settings refused in ${why}:\n  ${lines.join('\n  ')}`);
  }
  for (const line of lines) options.warn(`WARNING: ${line}`);
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
