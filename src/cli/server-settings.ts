import { configFromEnv } from '../config/env.js';
import { configFilePath, loadConfigFile } from '../config/load-file.js';
import { mergeConfig } from '../config/merge.js';
import type { ConfigLayer } from '../config/schema.js';

/** What the commands that run a server (`demo`, `proxy`) read the same way. */

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
