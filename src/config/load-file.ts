import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import type { ConfigLayer } from './schema.js';

/**
 * Reads a JSON config file (`gatehouse.config.json`). Node only, so it is not
 * part of the Web-standard core's imports.
 *
 * @example
 * ```ts
 * const fromFile = await loadConfigFile('./gatehouse.config.json');
 * ```
 */
export async function loadConfigFile(path: string): Promise<ConfigLayer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`Config file ${path} must hold a JSON object`);
  }
  return data as ConfigLayer;
}

export { mergeConfig } from './merge.js';
