import { discoverRequest } from '../conformance/observe-modern.js';
import { endpointPath, report, type DoctorContext } from '../context.js';
import { outcome } from '../http.js';
import { clientsOfEra } from '../profiles.js';
import { parseChallenges, type Challenge } from '../www-authenticate.js';
import type { ChallengeResult } from './challenge.js';

/**
 * Step 1 for clients of the 2026-07-28 era: their first request is not
 * `initialize` but `server/discover` (the SDK v2 client in `auto` or pinned
 * mode), so that request, without a token, must meet the same 401 and Bearer
 * challenge, or they never start signing in: a 5xx stops them outright,
 * another 4xx reads as "no 2026-07-28 here" (pinned: fails; auto: falls back
 * to `initialize`).
 */

function bearerOf(header: string | null): Challenge | undefined {
  return header ? parseChallenges(header).find((c) => c.scheme.toLowerCase() === 'bearer') : undefined;
}

/**
 * Probes `server/discover` without a token and compares what came back with
 * the answer to `initialize` (`challenge`).
 *
 * @example
 * ```ts
 * const challenge = await checkChallenge(ctx);
 * if (challenge.reachable) await checkDiscoverChallenge(ctx, challenge);
 * ```
 */
export async function checkDiscoverChallenge(ctx: DoctorContext, challenge: ChallengeResult): Promise<void> {
  const modern = clientsOfEra('modern');
  const { headers, body } = discoverRequest();
  const exchange = await ctx.http.send(ctx.url.href, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body,
  });
  const what = `POST ${endpointPath(ctx.url) || '/'} (server/discover, no token)`;
  // The same status as initialize got: whatever is wrong with it was reported for every client already.
  if (exchange.status === challenge.exchange.status && exchange.status !== 401) return;
  if (exchange.status >= 200 && exchange.status < 300) {
    report(ctx, 'discover-unprotected', modern, `${what} answered ${exchange.status} while initialize needs a token: the endpoint is only partly protected, and the SDK v2 client meets the 401 only on its next request`);
    return;
  }
  if (exchange.status !== 401) {
    const effect = exchange.status === 0 || exchange.status >= 500 || exchange.status === 403
      ? 'the SDK v2 client stops there, in auto mode too'
      : 'the SDK v2 client pinned to 2026-07-28 fails ("the server did not offer pinned protocol version 2026-07-28 via server/discover"); in auto mode it falls back to initialize (2025-11-25)';
    report(ctx, 'discover-challenge-status', modern, `${what} answered ${outcome(exchange)} instead of 401: ${effect}`);
    return;
  }
  const bearer = bearerOf(exchange.headers.get('www-authenticate'));
  if (!bearer) {
    report(ctx, 'discover-challenge-status', modern, `${what} answered 401 without a Bearer challenge: the SDK v2 client cannot find the authorization server from it`);
    return;
  }
  const first = challenge.bearer?.params;
  if (first && (bearer.params.resource_metadata !== first.resource_metadata || bearer.params.scope !== first.scope)) {
    report(ctx, 'discover-challenge-differs', modern,
      `${what} is challenged with resource_metadata ${JSON.stringify(bearer.params.resource_metadata)} and scope ${JSON.stringify(bearer.params.scope)}, initialize with ${JSON.stringify(first.resource_metadata)} and ${JSON.stringify(first.scope)}: 2025 and 2026 clients would sign in differently`);
  }
}
