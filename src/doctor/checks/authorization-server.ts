import { metadataUrls } from '../../discovery/metadata-urls.js';
import { report, type DoctorContext } from '../context.js';
import { isJsonDocument, outcome, type Exchange } from '../http.js';
import { ALL_CLIENTS, PROFILES, type ClientProfile } from '../profiles.js';
import type { ProfileId } from '../types.js';
import type { PrmResult } from './protected-resource.js';

/** The authorization-server metadata one client ends up with. */
export interface FoundMetadata {
  url: string;
  doc: Record<string, unknown>;
  kind: 'oauth' | 'oidc';
}

/** Where clients looked for the authorization server's metadata, and what each found. */
export interface AsResult {
  /** The authorization server identifier clients start from. */
  issuer: string;
  /** No PRM: the MCP origin is taken as the authorization server (MCP 2025-03-26). */
  legacy: boolean;
  /** Every discovery URL, in the spec's order, with its answer. */
  tried: Exchange[];
  byProfile: Map<ProfileId, FoundMetadata | undefined>;
}

interface Discovery {
  found?: FoundMetadata;
  /** A 5xx or a 2xx that is not JSON: the SDK stops there. */
  stoppedAt?: Exchange;
}

const kindOf = (url: string): 'oauth' | 'oidc' => (url.includes('/openid-configuration') ? 'oidc' : 'oauth');

/** As the MCP SDK: the first JSON 2xx wins; a 4xx, a network failure or a redirect elsewhere moves on; a 5xx stops. */
function discover(tried: Exchange[], documents: Map<Exchange, FoundMetadata>, profile: ClientProfile): Discovery {
  for (const exchange of tried) {
    if (!profile.oidcDiscovery && kindOf(exchange.url) === 'oidc') continue;
    const found = documents.get(exchange);
    if (found) return { found };
    if (exchange.status >= 500 || (exchange.status >= 200 && exchange.status < 300)) return { stoppedAt: exchange };
  }
  return {};
}

const REQUIRED = ['issuer', 'authorization_endpoint', 'token_endpoint', 'response_types_supported'];
const REQUIRED_OIDC = ['jwks_uri', 'subject_types_supported', 'id_token_signing_alg_values_supported'];

function checkDocument(ctx: DoctorContext, result: AsResult, found: FoundMetadata, clients: ProfileId[]): void {
  const { doc } = found;
  const missing = [...REQUIRED, ...(found.kind === 'oidc' ? REQUIRED_OIDC : [])].filter((field) => doc[field] === undefined);
  const responseTypes = Array.isArray(doc.response_types_supported) ? doc.response_types_supported : [];
  if (missing.length > 0) report(ctx, 'as-required-fields', clients, `The metadata at ${found.url} lacks ${missing.join(', ')}; clients refuse it`, `Add ${missing.join(', ')} to the authorization-server metadata`);
  else if (!responseTypes.includes('code')) report(ctx, 'as-required-fields', clients, `response_types_supported at ${found.url} lacks "code"`, 'Add "code" to response_types_supported');

  const expected = result.legacy ? new URL(result.issuer).origin : result.issuer;
  const issuer = doc.issuer;
  if (typeof issuer === 'string' && issuer !== expected) {
    const slashOnly = issuer.replace(/\/$/, '') === expected.replace(/\/$/, '');
    report(ctx, slashOnly ? 'as-issuer-trailing-slash' : 'as-issuer-mismatch', clients,
      `The metadata at ${found.url} says "issuer": "${issuer}", but clients built its URL from "${expected}"; MCP 2026-07-28 clients (and SDK v2) reject ${slashOnly ? 'a mismatch, some even of a trailing slash' : 'it'}`);
  }
  if (doc.authorization_response_iss_parameter_supported !== true) {
    report(ctx, 'iss-parameter', clients, `The authorization server does not advertise authorization_response_iss_parameter_supported (RFC 9207), which MCP 2026-07-28 recommends against mix-up attacks`);
  }
  // A hint, never a requirement: most providers bind tokens to the resource without advertising it, so only an explicit "no" is worth a note.
  if (doc.resource_parameter_supported === false) {
    report(ctx, 'resource-parameter', clients, `The metadata at ${found.url} says resource_parameter_supported: false: the authorization server may ignore the resource parameter (RFC 8707) MCP clients send, and issue tokens not bound to this server`);
  }
}

async function checkLegacy(ctx: DoctorContext, result: AsResult): Promise<void> {
  const as = new URL(result.issuer);
  if (result.legacy || (as.origin === ctx.url.origin && as.pathname.replace(/\/+$/, '') === '')) return;
  const legacy = await ctx.http.get(`${ctx.url.origin}/.well-known/oauth-authorization-server`);
  if (!isJsonDocument(legacy)) {
    report(ctx, 'legacy-as-metadata', ['inspector', 'mcp-remote', 'claude'],
      `${legacy.url} answered ${outcome(legacy)}: clients of MCP 2025-03-26 look for the authorization server there; current clients follow the PRM to ${result.issuer}`);
  }
}

/**
 * Step 3: the authorization server's metadata, looked up as MCP 2025-11-25
 * says (RFC 8414 then OpenID Connect, path-aware), from the PRM's first
 * `authorization_servers` entry or, without PRM, the MCP origin.
 *
 * @example
 * ```ts
 * const as = await checkAuthorizationServer(ctx, prm);
 * as.byProfile.get('sdk')?.doc.code_challenge_methods_supported;
 * ```
 */
export async function checkAuthorizationServer(ctx: DoctorContext, prm: PrmResult): Promise<AsResult> {
  const issuer = prm.found?.authorizationServer ?? `${ctx.url.origin}/`;
  const tried = await Promise.all(metadataUrls(issuer).map((url) => ctx.http.get(url)));
  const result: AsResult = { issuer, legacy: !prm.found, tried, byProfile: new Map() };
  const documents = new Map<Exchange, FoundMetadata>();
  for (const e of tried) if (isJsonDocument(e)) documents.set(e, { url: e.url, doc: e.json, kind: kindOf(e.url) });
  const discoveries = new Map(PROFILES.map((p) => [p.id, discover(tried, documents, p)]));
  for (const [id, d] of discoveries) result.byProfile.set(id, d.found);

  const clientsWhere = (test: (d: Discovery) => boolean) => ALL_CLIENTS.filter((id) => test(discoveries.get(id)!));
  const list = tried.map((e) => `${e.url} (${outcome(e)})`).join(', ');
  const foundByOthers = [...discoveries.values()].find((d) => d.found)?.found;
  const lostOidc = PROFILES.filter((p) => !p.oidcDiscovery && !discoveries.get(p.id)!.found && !discoveries.get(p.id)!.stoppedAt && foundByOthers).map((p) => p.id);
  const rfc8414 = tried.filter((e) => kindOf(e.url) === 'oauth');
  report(ctx, 'as-metadata-rfc8414', lostOidc,
    `The authorization server ${issuer} has only OpenID Connect discovery (${foundByOthers?.url}); Claude Code looks only for RFC 8414 metadata (${rfc8414.map((e) => `${e.url}: ${outcome(e)}`).join(', ')})`,
    rfc8414[0] ? `Serve RFC 8414 metadata at ${new URL(rfc8414[0].url).pathname} too (or run Gatehouse in front with OAUTH_MIRROR_METADATA=true)` : undefined);
  report(ctx, 'as-metadata-missing', clientsWhere((d) => !d.found && !d.stoppedAt).filter((id) => !lostOidc.includes(id)), `No authorization-server metadata for ${issuer}: ${list}`);
  for (const stop of new Set([...discoveries.values()].map((d) => d.stoppedAt).filter((e): e is Exchange => !!e))) {
    const clients = clientsWhere((d) => d.stoppedAt === stop);
    if (stop.status >= 500) report(ctx, 'as-metadata-5xx', clients, `${stop.url} answered ${stop.status}; clients stop discovery at a 5xx instead of trying the next URL`);
    else report(ctx, 'as-metadata-invalid', clients, `${stop.url} answered ${outcome(stop)}`);
  }
  const redirected = tried.filter((e) => e.crossOriginRedirect);
  if (redirected.length > 0) report(ctx, 'as-redirect-cross-origin', ALL_CLIENTS, `${redirected.map((e) => `${e.url} redirects to ${e.crossOriginRedirect}`).join('; ')}; the MCP SDK does not follow redirects to another origin`);

  const oidcForms = tried.filter((e) => kindOf(e.url) === 'oidc');
  if (foundByOthers?.kind === 'oauth' && !oidcForms.some(isJsonDocument)) {
    report(ctx, 'as-metadata-openid', ALL_CLIENTS, `No OpenID Connect discovery document (${oidcForms.map((e) => `${e.url}: ${outcome(e)}`).join(', ')}); clients and libraries that use OpenID Connect discovery alone find no authorization server`);
  }
  if (!result.legacy && new URL(issuer).pathname.replace(/\/+$/, '') !== '') {
    report(ctx, 'claude-path-issuer', ['claude'], `The authorization server ${issuer} has a path; Claude has been seen probing only path-aware URLs and then guessing /authorize, /token and /register at the MCP origin`);
  }
  for (const found of new Set([...result.byProfile.values()].filter((f): f is FoundMetadata => !!f))) {
    checkDocument(ctx, result, found, ALL_CLIENTS.filter((id) => result.byProfile.get(id) === found));
  }
  await checkLegacy(ctx, result);
  return result;
}
