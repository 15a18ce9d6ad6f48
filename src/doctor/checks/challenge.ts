import { isLenientLoopbackHost } from '../../http/loopback.js';
import { endpointPath, isLocalHost, report, type DoctorContext } from '../context.js';
import { outcome, type Exchange } from '../http.js';
import { ALL_CLIENTS, PROFILES } from '../profiles.js';
import { parseChallenges, sdkChallengeView, type Challenge } from '../www-authenticate.js';

/** What the first, token-less request taught. */
export interface ChallengeResult {
  exchange: Exchange;
  /** False when nothing answered: every later step is skipped. */
  reachable: boolean;
  bearer?: Challenge;
  /** `resource_metadata`, when it is an absolute http(s) URL. */
  resourceMetadataUrl?: string;
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'gatehouse-doctor', version: '1' } },
});

/** The first request of every client: `initialize` without a token. */
export function postInitialize(ctx: DoctorContext, headers: Record<string, string> = {}): Promise<Exchange> {
  return ctx.http.send(ctx.url.href, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body: INITIALIZE,
  });
}

function statusProblem(status: number): { message: string; fix?: string } {
  if (status >= 500) return { message: `answered ${status} instead of 401: clients cannot tell they should sign in, and a 5xx stops them`, fix: 'Answer a request without a token with 401 and a Bearer challenge, never 5xx (a verifier error must become 401)' };
  if (status >= 200 && status < 300) return { message: `answered ${status} without a token: the endpoint is not protected, so no client will sign in`, fix: 'Protect the endpoint: answer requests without a token with 401 and a Bearer challenge' };
  if (status === 403) return { message: 'answered 403 instead of 401: clients start signing in only on 401', fix: 'Answer a missing token with 401; keep 403 for insufficient_scope' };
  if (status === 404 || status === 405) return { message: `answered ${status}: is this the MCP endpoint URL (usually ending in /mcp)?`, fix: 'Give the doctor the URL of the MCP endpoint itself, e.g. https://host/mcp' };
  return { message: `answered ${status} instead of 401` };
}

function checkTransport(ctx: DoctorContext): void {
  const { url } = ctx;
  if (url.protocol === 'http:' && !isLenientLoopbackHost(url.hostname)) {
    report(ctx, 'insecure-http', ALL_CLIENTS, `${url.origin} uses plain http on a non-loopback host: tokens travel in clear and clients may refuse it`);
  }
  if (isLocalHost(url.hostname)) {
    const cloud = PROFILES.filter((p) => p.cloud).map((p) => p.id);
    report(ctx, 'claude-loopback', cloud, `${url.hostname} is a loopback or private address: claude.ai connects from Anthropic's cloud and cannot reach it`);
  }
}

function checkBearer(ctx: DoctorContext, header: string, bearer: Challenge, first: boolean): string | undefined {
  if (!first) report(ctx, 'challenge-not-first', ALL_CLIENTS, `The Bearer challenge is not first in "WWW-Authenticate: ${header}"; the MCP SDK reads only a header that starts with Bearer`);
  const metadata = bearer.params.resource_metadata;
  let metadataUrl: string | undefined;
  if (metadata === undefined) {
    report(ctx, 'challenge-resource-metadata', ALL_CLIENTS, `The 401 challenge has no resource_metadata ("${header}"); clients must guess where the PRM is (MCP 2025-06-18 requires it)`);
  } else if (!URL.canParse(metadata) || !/^https?:$/.test(new URL(metadata).protocol)) {
    report(ctx, 'challenge-resource-metadata-invalid', ALL_CLIENTS, `resource_metadata="${metadata}" is not an absolute http(s) URL; clients ignore it`);
  } else {
    metadataUrl = new URL(metadata).href;
  }
  const sdk = sdkChallengeView(header);
  if (first && sdk.readsHeader && (sdk.resourceMetadata !== metadata || sdk.scope !== bearer.params.scope)) {
    report(ctx, 'challenge-parse', ALL_CLIENTS, `The MCP SDK reads this challenge differently (resource_metadata ${JSON.stringify(sdk.resourceMetadata)}, scope ${JSON.stringify(sdk.scope)}) than RFC 7235 does (${JSON.stringify(metadata)}, ${JSON.stringify(bearer.params.scope)})`);
  }
  const scopes = (bearer.params.scope ?? '').split(' ').filter(Boolean);
  if (scopes.includes('offline_access')) {
    report(ctx, 'challenge-offline-access', ALL_CLIENTS, `The challenge asks for offline_access (scope="${bearer.params.scope}"); MCP 2026-07-28 leaves refresh tokens to the client`);
  }
  if (bearer.params.error !== undefined) {
    report(ctx, 'challenge-error-without-token', ALL_CLIENTS, `The challenge to a request without a token carries error="${bearer.params.error}"`);
  }
  return metadataUrl;
}

/**
 * Step 1: `POST initialize` without a token must get 401 with a
 * `WWW-Authenticate: Bearer` challenge naming the PRM.
 *
 * @example
 * ```ts
 * const challenge = await checkChallenge(ctx);
 * if (!challenge.reachable) return; // `unreachable` was reported
 * ```
 */
export async function checkChallenge(ctx: DoctorContext): Promise<ChallengeResult> {
  const exchange = await postInitialize(ctx);
  if (exchange.status === 0) {
    report(ctx, 'unreachable', ALL_CLIENTS, `Nothing answered at ${ctx.url.href}: ${outcome(exchange)}`);
    return { exchange, reachable: false };
  }
  checkTransport(ctx);
  if (exchange.status !== 401) {
    const problem = statusProblem(exchange.status);
    report(ctx, 'challenge-status', ALL_CLIENTS, `POST ${endpointPath(ctx.url) || '/'} (initialize, no token) ${problem.message}`, problem.fix);
    if (exchange.status !== 403) return { exchange, reachable: true };
  }
  const header = exchange.headers.get('www-authenticate');
  const challenges = header ? parseChallenges(header) : [];
  const index = challenges.findIndex((c) => c.scheme.toLowerCase() === 'bearer');
  const bearer = challenges[index];
  if (!header || !bearer) {
    const seen = header ? `"WWW-Authenticate: ${header}" has no Bearer challenge` : 'There is no WWW-Authenticate header';
    report(ctx, 'challenge-missing', ALL_CLIENTS, `${seen} on the ${exchange.status}; clients cannot find the authorization server from it`);
    return { exchange, reachable: true };
  }
  const resourceMetadataUrl = checkBearer(ctx, header, bearer, index === 0);
  return { exchange, reachable: true, bearer, ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}) };
}
