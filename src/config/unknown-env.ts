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

/** Levenshtein distance: a misspelt variable is a few edits from the one meant. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

function closestOf(name: string, known: Set<string>): string | undefined {
  let best: { name: string; score: number } | undefined;
  for (const candidate of known) {
    // A prefix of a known name (OAUTH_ISSUER for OAUTH_ISSUER_URL) is the commonest slip: count it as one edit.
    const score = candidate.startsWith(name) || name.startsWith(candidate) ? 1 : distance(name, candidate);
    if (!best || score < best.score) best = { name: candidate, score };
  }
  // Beyond a third of the part after the prefix, a suggestion is a guess, not a help.
  const own = name.replace(/^(OAUTH|GATEHOUSE)_/, '');
  return best && best.score <= Math.max(2, Math.floor(own.length / 3)) ? best.name : undefined;
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
      const closest = closestOf(name, known);
      return closest ? { name, closest } : { name };
    });
}
