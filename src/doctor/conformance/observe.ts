import { checkAuthorizationServer } from '../checks/authorization-server.js';
import { checkChallenge, type ChallengeResult } from '../checks/challenge.js';
import { checkCors } from '../checks/cors.js';
import { checkProtectedResource } from '../checks/protected-resource.js';
import { endpointPath, type DoctorContext } from '../context.js';
import { isJsonDocument, type Exchange } from '../http.js';
import type { Finding } from '../types.js';
import { isLenientLoopbackHost } from '../../http/loopback.js';
import { observeModern, type ModernObservation } from './observe-modern.js';
import { probeRegistration, type RegistrationProbes } from './observe-registration.js';
import { probeTokens, type TokenProbes } from './observe-tokens.js';

/**
 * Everything the conformance checks read, gathered once: the doctor's own
 * walk (challenge, PRM, AS metadata, CORS), then the refusal probes, the
 * eras and 2026-07-28 probes (with a token) and the registration probes
 * (with `--register`). Checks only read this; they send nothing.
 */

export interface PrmObservation {
  /** The URL `resource_metadata` named, and what it answered. */
  header?: Exchange;
  inserted: Exchange;
  root: Exchange;
  /** The first usable document, in the order clients look. */
  doc?: Record<string, unknown>;
}

export interface AsObservation {
  /** The first `authorization_servers` entry (or the MCP origin without PRM). */
  issuer: string;
  tried: Exchange[];
  /** The first RFC 8414 and OpenID Connect documents found. */
  oauth?: Exchange & { json: Record<string, unknown> };
  oidc?: Exchange & { json: Record<string, unknown> };
}

export interface Observed {
  url: URL;
  /** Loopback: https requirements are not judged. */
  loopback: boolean;
  reachable: boolean;
  challenge: ChallengeResult;
  prm: PrmObservation;
  as?: AsObservation;
  /** The doctor's CORS findings (`cors-*`). */
  cors: Finding[];
  tokens?: TokenProbes;
  modern: ModernObservation;
  registration?: RegistrationProbes | { skipped: string };
  /** The token was given (its value is not kept here). */
  hasToken: boolean;
}

const PRM_WELL_KNOWN = '/.well-known/oauth-protected-resource';
const isOidc = (e: Exchange) => e.url.includes('/openid-configuration');

function firstDocument(tried: Exchange[], oidc: boolean): (Exchange & { json: Record<string, unknown> }) | undefined {
  return tried.find((e): e is Exchange & { json: Record<string, unknown> } => isOidc(e) === oidc && isJsonDocument(e));
}

async function observePrm(ctx: DoctorContext, challenge: ChallengeResult): Promise<PrmObservation> {
  const root = `${ctx.url.origin}${PRM_WELL_KNOWN}`;
  const [header, inserted, rootAnswer] = await Promise.all([
    challenge.resourceMetadataUrl ? ctx.http.get(challenge.resourceMetadataUrl) : undefined,
    ctx.http.get(`${root}${endpointPath(ctx.url)}`),
    ctx.http.get(root),
  ]);
  const used = [header, inserted, rootAnswer].find((e) => e && isJsonDocument(e));
  return { ...(header ? { header } : {}), inserted, root: rootAnswer, ...(used?.json ? { doc: used.json } : {}) };
}

function scopeOf(challenge: ChallengeResult, prm: PrmObservation): string | undefined {
  const fromPrm = Array.isArray(prm.doc?.scopes_supported) ? prm.doc.scopes_supported.filter((s) => typeof s === 'string').join(' ') : '';
  return challenge.bearer?.params.scope ?? (fromPrm || undefined);
}

async function observeRegistration(ctx: DoctorContext, as: AsObservation | undefined, resource: string, scope: string | undefined): Promise<RegistrationProbes | { skipped: string }> {
  const doc = as?.oauth?.json ?? as?.oidc?.json;
  const endpoint = doc?.registration_endpoint;
  if (typeof endpoint !== 'string' || !URL.canParse(endpoint)) return { skipped: 'the authorization server advertises no registration_endpoint' };
  const authorization = doc?.authorization_endpoint;
  const target = typeof authorization === 'string' && URL.canParse(authorization) ? { endpoint: authorization, resource, ...(scope ? { scope } : {}) } : undefined;
  return probeRegistration(ctx.http, endpoint, target, ctx.callbackPort);
}

/**
 * Gathers the observations.
 *
 * @example
 * ```ts
 * const observed = await observe(ctx, { token, register: false, timeoutMs: 10_000 });
 * observed.prm.doc?.resource;
 * ```
 */
export async function observe(ctx: DoctorContext, options: { token?: string; register: boolean; timeoutMs: number }): Promise<Observed> {
  const challenge = await checkChallenge(ctx);
  const base = { url: ctx.url, loopback: isLenientLoopbackHost(ctx.url.hostname), challenge, hasToken: !!options.token };
  if (!challenge.reachable) {
    return { ...base, reachable: false, prm: { inserted: challenge.exchange, root: challenge.exchange }, cors: [], modern: { eras: { modern: 'unknown', legacy: 'unknown', evidence: [] } } };
  }
  const prmResult = await checkProtectedResource(ctx, challenge);
  const asResult = await checkAuthorizationServer(ctx, prmResult);
  const before = ctx.findings.length;
  await checkCors(ctx, challenge, prmResult, asResult);
  const cors = ctx.findings.slice(before).filter((f) => f.id.startsWith('cors-'));
  const prm = await observePrm(ctx, challenge);
  const oauth = firstDocument(asResult.tried, false);
  const oidc = firstDocument(asResult.tried, true);
  const as: AsObservation | undefined = prmResult.found ? { issuer: asResult.issuer, tried: asResult.tried, ...(oauth ? { oauth } : {}), ...(oidc ? { oidc } : {}) } : undefined;
  const resource = typeof prm.doc?.resource === 'string' ? prm.doc.resource : ctx.url.href;
  const scope = scopeOf(challenge, prm);
  const tokens = await probeTokens(ctx.http, ctx.url, { ...(as ? { issuer: as.issuer } : {}), resource, ...(scope ? { scope } : {}) }, options.token, options.timeoutMs);
  const modern = await observeModern(ctx.http, ctx.url.href, options.token);
  const registration = options.register ? await observeRegistration(ctx, as, resource, scope) : undefined;
  return { ...base, reachable: true, prm, ...(as ? { as } : {}), cors, tokens, modern, ...(registration ? { registration } : {}) };
}
