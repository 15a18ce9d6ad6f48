import { MODERN, observeEras } from '../conformance/observe-modern.js';
import { report, type DoctorContext } from '../context.js';
import { outcome } from '../http.js';
import { ALL_CLIENTS, clientsOfEra } from '../profiles.js';
import type { ServerEras } from '../types.js';

/**
 * The last step, with `--token` only: which protocol eras the server speaks
 * once a client is signed in. Without a token every request gets the same
 * 401, so the eras cannot be told apart (and that is right: `server/discover`
 * is protected like any other method).
 */

export const NO_TOKEN = 'without a token every request gets the 401 challenge (pass --token <access token> to see them)';

/**
 * Observes the eras with `token` and reports the clients that would find
 * theirs missing.
 *
 * @example
 * ```ts
 * const eras = await checkEras(ctx, token); // { modern: true, legacy: true, supportedVersions: ['2026-07-28'] }
 * ```
 */
export async function checkEras(ctx: DoctorContext, token: string | undefined): Promise<ServerEras> {
  if (!token) return { modern: 'unknown', legacy: 'unknown', unknownBecause: NO_TOKEN };
  const { eras, discover, tokenRefused } = await observeEras(ctx.http, ctx.url.href, token);
  if (tokenRefused) {
    report(ctx, 'era-token-refused', ALL_CLIENTS, `The --token value was refused (server/discover: ${outcome(discover)}): the eras were not observed`);
    return { modern: 'unknown', legacy: 'unknown', unknownBecause: `the --token value was refused (${discover.status})` };
  }
  const versions = eras.supportedVersions;
  if (eras.modern !== true) {
    const seen = versions ? `offered ${versions.length > 0 ? versions.join(', ') : 'no version'}` : `answered ${outcome(discover)}`;
    report(ctx, 'era-modern-missing', clientsOfEra('modern'),
      `server/discover ${seen}, not ${MODERN}: the SDK v2 client pinned to ${MODERN} fails ("the server did not offer pinned protocol version ${MODERN} via server/discover"); in auto mode it falls back to 2025-11-25`);
  }
  if (eras.legacy !== true) {
    report(ctx, 'era-legacy-missing', clientsOfEra('legacy'), `initialize (2025-11-25) with the token got no result: clients of the 2025 revisions cannot connect`);
  }
  return { modern: eras.modern === true, legacy: eras.legacy === true, ...(versions ? { supportedVersions: versions } : { discoverAnswer: outcome(discover) }) };
}
