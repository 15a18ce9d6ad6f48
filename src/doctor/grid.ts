import type { ClientProfile } from './profiles.js';
import type { CellStatus, Finding, ProfileId, StepId, StepInfo } from './types.js';

export const STEPS: readonly StepInfo[] = [
  { id: 'challenge', title: 'Challenge' },
  { id: 'prm', title: 'PRM' },
  { id: 'as-metadata', title: 'AS metadata' },
  { id: 'pkce', title: 'PKCE' },
  { id: 'registration', title: 'Registration' },
  { id: 'cors', title: 'CORS' },
  { id: 'era', title: 'Era' },
];

/** Steps each client could not reach (nothing answered, or no metadata to read). */
export type Unreached = Map<ProfileId, Set<StepId>>;

/**
 * The clients × steps table: a cell is the worst `fail`/`warn` finding of
 * that step for that client, else `skip` when the client never got that
 * far, `n/a` when it never does that step (CORS outside a browser), else
 * `pass`. `info` findings do not colour cells.
 *
 * @example
 * ```ts
 * cellsFor(profile, findings, unreached).pkce; // 'fail'
 * ```
 */
export function cellsFor(profile: ClientProfile, findings: readonly Finding[], unreached: Unreached): Record<StepId, CellStatus> {
  const cells = {} as Record<StepId, CellStatus>;
  for (const { id: step } of STEPS) {
    const mine = findings.filter((f) => f.step === step && f.clients.includes(profile.id));
    if (mine.some((f) => f.severity === 'fail')) cells[step] = 'fail';
    else if (step === 'cors' && !profile.browser) cells[step] = 'n/a';
    else if (unreached.get(profile.id)?.has(step)) cells[step] = 'skip';
    else if (mine.some((f) => f.severity === 'warn')) cells[step] = 'warn';
    else cells[step] = 'pass';
  }
  return cells;
}
