import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { checkConfigFile } from './file-check.js';
import type { ConfigLayer } from './schema.js';

/** Looked for, in this order, in the working directory when no file is named. */
const CONFIG_FILE_NAMES = ['gatehouse.config.json', 'gatehouse.config.yaml', 'gatehouse.config.yml'] as const;

function isYaml(path: string): boolean {
  return /^\.ya?ml$/i.test(extname(path));
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

function parseYaml(path: string, text: string): unknown {
  // YAML 1.2 core schema: `no` and `on` stay strings; aliases are bounded against expansion bombs.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [error] = doc.errors;
  if (error) throw new ConfigError(`Config file ${path} is not valid YAML: ${error.message}`);
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(`Config file ${path} is not valid YAML: ${(err as Error).message}`);
  }
}

/**
 * Reads a config file: JSON (`gatehouse.config.json`), or YAML when its
 * name ends in `.yaml`/`.yml`. A top-level `$schema` (for editors) is
 * dropped. Every wrong value in it is told at once, by its key
 * ({@link checkConfigFile}). Node only, so it is not part of the Web-standard core's imports.
 *
 * @example
 * ```ts
 * const fromFile = await loadConfigFile('./gatehouse.config.yaml');
 * ```
 */
export async function loadConfigFile(path: string): Promise<ConfigLayer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${path}: ${(err as Error).message}`);
  }
  const data = isYaml(path) ? parseYaml(path, text) : parseJson(path, text);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`Config file ${path} must hold ${isYaml(path) ? 'a YAML mapping' : 'a JSON object'}`);
  }
  const { $schema: _editorsOnly, ...settings } = data as Record<string, unknown>;
  checkConfigFile(path, settings);
  return settings as ConfigLayer;
}

/**
 * The config file in `dir` (`gatehouse.config.json`, `.yaml` or `.yml`,
 * the first that exists), or `undefined`.
 *
 * @example
 * ```ts
 * const file = flags.config ?? env.GATEHOUSE_CONFIG ?? findConfigFile(process.cwd());
 * ```
 */
export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Which config file a command reads: the one named by `--config`, else by
 * `GATEHOUSE_CONFIG`, else one found in the working directory. An empty
 * `GATEHOUSE_CONFIG` turns the search off.
 *
 * @example
 * ```ts
 * const path = configFilePath(values.config, process.env, process.cwd());
 * const fromFile = path ? await loadConfigFile(path) : {};
 * ```
 */
export function configFilePath(flag: string | undefined, env: Record<string, string | undefined>, cwd: string): string | undefined {
  if (flag) return flag;
  const named = env.GATEHOUSE_CONFIG;
  if (named !== undefined) return named.trim() === '' ? undefined : named;
  return findConfigFile(cwd);
}
