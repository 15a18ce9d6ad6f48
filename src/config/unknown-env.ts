import { closestName } from './closest-name.js';
import { FILE_ENV_NAMES } from './file-shape.js';

/** Read outside the env tables: it names the config file itself (`config/load-file.ts`). */
const OTHER_KNOWN = ['GATEHOUSE_CONFIG'];

/** An `OAUTH_*` or `GATEHOUSE_*` variable no setting reads, and the known name it most likely meant. */
export interface UnknownEnvName {
  name: string;
  closest?: string;
}

function knownNames(): Set<string> {
  return new Set([...Object.values(FILE_ENV_NAMES), ...OTHER_KNOWN]);
}

/**
 * The `OAUTH_*` and `GATEHOUSE_*` variables in `env` that no setting reads:
 * a misspelt one (`OAUTH_ISSUER=` without `_URL`) would otherwise be
 * ignored silently, and the CLI would start its own development authority.
 *
 * @example
 * ```ts
 * unknownEnvNames({ OAUTH_ISSUER: 'https://idp.example.com' }); // [{ name: 'OAUTH_ISSUER', closest: 'OAUTH_ISSUER_URL' }]
 * ```
 */
export function unknownEnvNames(env: Record<string, string | undefined>): UnknownEnvName[] {
  const known = knownNames();
  return Object.keys(env)
    .filter((name) => /^(OAUTH|GATEHOUSE)_/.test(name) && !known.has(name))
    .sort()
    .map((name) => {
      const closest = closestName(name, known, /^(OAUTH|GATEHOUSE)_/);
      return closest ? { name, closest } : { name };
    });
}
