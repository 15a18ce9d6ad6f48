import { closestName } from './closest-name.js';
import { publishedConfigSchema } from './file-shape.js';
import { unknownSettings, type JsonSchema } from './json-schema.js';
import { unknownEnvNames } from './unknown-env.js';

/**
 * Settings that are wrong say so: a key of the config file no setting has,
 * and an `OAUTH_*`/`GATEHOUSE_*` variable no setting reads, each with the
 * known name it most likely meant. The CLI's servers print these at start
 * (and refuse to start with `--strict` or in production); `gatehouse
 * config check` fails on them.
 */

/** A key of the config file that is no setting. */
export interface UnknownFileSetting {
  /** Its dotted path, e.g. `authority.stateDri`. */
  path: string;
  /** The known path it most likely meant, e.g. `authority.stateDir`. */
  closest?: string;
}

/** The object schema a dotted path leads to, following anyOf's object option as `unknownSettings` does. */
function schemaAt(schema: JsonSchema, path: string[]): JsonSchema | undefined {
  let at: JsonSchema | undefined = schema;
  for (const key of path) {
    const object: JsonSchema | undefined = at?.anyOf?.find((option) => option.type === 'object') ?? at;
    at = /^\d+$/.test(key) ? object?.items : object?.properties?.[key];
  }
  return at?.anyOf?.find((option) => option.type === 'object') ?? at;
}

/**
 * The config file's keys that no setting has, with the closest known key
 * beside each.
 *
 * @example
 * ```ts
 * unknownFileSettings({ authority: { stateDri: '.gatehouse' } }); // [{ path: 'authority.stateDri', closest: 'authority.stateDir' }]
 * ```
 */
export function unknownFileSettings(file: unknown, schema: JsonSchema = publishedConfigSchema()): UnknownFileSetting[] {
  return unknownSettings(file, schema).map((path) => {
    const parts = path.split('.');
    const parent = parts.slice(0, -1);
    const siblings = Object.keys(schemaAt(schema, parent)?.properties ?? {});
    const closest = closestName(parts.at(-1)!, siblings);
    return closest ? { path, closest: [...parent, closest].join('.') } : { path };
  });
}

/**
 * One line per unknown setting of the file and the environment, saying
 * what it is not and what was probably meant.
 *
 * @example
 * ```ts
 * unknownSettingLines({}, { GATEHOUSE_STROE: 'file' });
 * // ['GATEHOUSE_STROE is not a setting; did you mean GATEHOUSE_STORE?']
 * ```
 */
export function unknownSettingLines(file: unknown, env: Record<string, string | undefined>, fileName = 'the config file'): string[] {
  const fromFile = unknownFileSettings(file).map(({ path, closest }) =>
    `"${path}" in ${fileName} is not a setting; ${closest ? `did you mean "${closest}"?` : 'it is ignored'}`,
  );
  const fromEnv = unknownEnvNames(env).map(({ name, closest }) => `${name} is not a setting; ${closest ? `did you mean ${closest}?` : 'no setting reads it'}`);
  return [...fromFile, ...fromEnv];
}
