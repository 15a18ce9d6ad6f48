import { report, type DoctorContext } from '../context.js';
import { ALL_CLIENTS } from '../profiles.js';
import type { AsResult, FoundMetadata } from './authorization-server.js';

/**
 * Distinct metadata documents clients found, each with the clients that use it.
 *
 * @example
 * ```ts
 * for (const [found, clients] of documentsInUse(as)) console.log(found.url, clients);
 * ```
 */
export function documentsInUse(as: AsResult): Map<FoundMetadata, (typeof ALL_CLIENTS)[number][]> {
  const uses = new Map<FoundMetadata, (typeof ALL_CLIENTS)[number][]>();
  for (const id of ALL_CLIENTS) {
    const found = as.byProfile.get(id);
    if (found) uses.set(found, [...(uses.get(found) ?? []), id]);
  }
  return uses;
}

/**
 * Step 4: PKCE. MCP 2025-11-25 clients MUST refuse an authorization server
 * whose metadata does not list `S256` in `code_challenge_methods_supported`.
 *
 * @example
 * ```ts
 * checkPkce(ctx, as);
 * ```
 */
export function checkPkce(ctx: DoctorContext, as: AsResult): void {
  for (const [found, clients] of documentsInUse(as)) {
    const methods = found.doc.code_challenge_methods_supported;
    if (!Array.isArray(methods) || methods.length === 0) {
      report(ctx, 'pkce-missing', clients, `The metadata at ${found.url} has no code_challenge_methods_supported; MCP clients must refuse an authorization server that does not advertise S256`);
    } else if (!methods.includes('S256')) {
      report(ctx, 'pkce-no-s256', clients, `code_challenge_methods_supported at ${found.url} is ${JSON.stringify(methods)}, without S256`);
    }
  }
}
