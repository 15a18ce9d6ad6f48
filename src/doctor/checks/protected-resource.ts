import { endpointPath, report, type DoctorContext } from '../context.js';
import { isJsonDocument, outcome, type Exchange } from '../http.js';
import { ALL_CLIENTS, PROFILES } from '../profiles.js';
import type { ProfileId } from '../types.js';
import type { ChallengeResult } from './challenge.js';

/** The protected-resource metadata clients end up with. */
export interface PrmResult {
  /** Absent when clients find none: they fall back to the MCP origin as the authorization server (MCP 2025-03-26). */
  found?: { url: string; doc: Record<string, unknown>; authorizationServer: string };
}

const PRM_WELL_KNOWN = '/.well-known/oauth-protected-resource';
const CLAUDE: ProfileId[] = ['claude'];

function isHttpUrl(value: unknown): value is string {
  return typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

/** What is wrong with a PRM document (RFC 9728 §2 and MCP), or nothing. */
function prmProblems(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!isHttpUrl(doc.resource)) problems.push(`"resource" is ${doc.resource === undefined ? 'missing' : `not an absolute URL (${JSON.stringify(doc.resource)})`}`);
  const servers = doc.authorization_servers;
  if (!Array.isArray(servers) || servers.length === 0) problems.push('"authorization_servers" is missing or empty');
  else if (!servers.every(isHttpUrl)) problems.push(`"authorization_servers" has an entry that is not an absolute URL (${JSON.stringify(servers)})`);
  return problems;
}

function isValidPrm(exchange: Exchange): exchange is Exchange & { json: Record<string, unknown> } {
  return isJsonDocument(exchange) && prmProblems(exchange.json).length === 0;
}

/** A 2xx: a document is there, usable or not (`prm-invalid` says which). */
function answered(exchange: Exchange): boolean {
  return exchange.status >= 200 && exchange.status < 300;
}

/** As the MCP SDK: the header's URL alone, else path-inserted then the root on a 4xx or no answer. */
function clientLookup(header: Exchange | undefined, inserted: Exchange, root: Exchange): Exchange {
  if (header) return header;
  const fallsBack = inserted.status === 0 || (inserted.status >= 300 && inserted.status < 500);
  return fallsBack ? root : inserted;
}

/** The SDK's rule: same origin, and the server's path starts with the resource's path. */
function resourceAllows(resource: string, server: URL): boolean {
  const configured = new URL(resource);
  if (configured.origin !== server.origin) return false;
  const withSlash = (path: string) => (path.endsWith('/') ? path : `${path}/`);
  return withSlash(server.pathname).startsWith(withSlash(configured.pathname));
}

function checkDocument(ctx: DoctorContext, used: Exchange & { json: Record<string, unknown> }): void {
  const { json: doc } = used;
  const resource = doc.resource as string;
  const server = new URL(ctx.url.href);
  server.hash = '';
  if (!resourceAllows(resource, server)) {
    report(ctx, 'prm-resource-mismatch', ALL_CLIENTS, `PRM at ${used.url} says "resource": "${resource}", which does not cover ${server.href} (clients require the same origin and a path prefix) and refuse it`);
  } else if (new URL(resource).href !== server.href) {
    const exact = PROFILES.filter((p) => p.exactResource).map((p) => p.id);
    const hint = server.pathname.endsWith('/') && !resource.endsWith('/') ? ' (the URL you gave ends in a slash: give clients the URL without it)' : '';
    report(ctx, 'prm-resource-not-exact', exact, `PRM "resource" is "${resource}", not exactly ${server.href}; VS Code refuses a resource that is not the URL it was given${hint}`);
  }
  const scopes = Array.isArray(doc.scopes_supported) ? doc.scopes_supported : [];
  if (scopes.includes('offline_access')) {
    report(ctx, 'prm-offline-access', ALL_CLIENTS, `PRM scopes_supported lists offline_access; clients without a challenge scope ask for every listed scope, and MCP 2026-07-28 leaves refresh tokens to the client`);
  }
  const servers = doc.authorization_servers as string[];
  if (servers.length > 1) {
    report(ctx, 'prm-multiple-as', ALL_CLIENTS, `PRM lists ${servers.length} authorization servers; clients use the first, ${servers[0]}`);
  }
}

function checkLocations(ctx: DoctorContext, places: { header?: Exchange; inserted: Exchange; root: Exchange }, unfound: readonly ProfileId[]): void {
  const { header, inserted, root } = places;
  const path = endpointPath(ctx.url);
  if (header && !answered(header)) {
    report(ctx, 'prm-header-url', ALL_CLIENTS, `resource_metadata names ${header.url}, which answered ${outcome(header)}; clients fetch exactly that URL, with no fallback`);
  }
  const affected: ProfileId[] = [...new Set([...CLAUDE, ...unfound])];
  if (!answered(inserted) && (!header || header.url !== inserted.url)) {
    report(ctx, 'prm-path-inserted', affected,
      `No PRM at ${inserted.url} (${outcome(inserted)}), its RFC 9728 location; Claude probes it first and, when it fails, guesses /authorize at the origin`,
      path ? `Serve PRM at ${PRM_WELL_KNOWN}${path} too` : undefined);
  }
  if (path && !answered(root) && (!header || header.url !== root.url)) {
    report(ctx, 'prm-root', affected, `No PRM at ${root.url} (${outcome(root)}); clients that look only at the root (claude.ai has been seen doing so, as have 2025-06-18 clients) find none`);
  }
  const valid = [header, inserted, root].filter((e): e is Exchange & { json: Record<string, unknown> } => !!e && isValidPrm(e));
  const shapes = new Set(valid.map((e) => JSON.stringify([e.json.resource, e.json.authorization_servers])));
  if (shapes.size > 1) {
    report(ctx, 'prm-inconsistent', ALL_CLIENTS, `The PRM documents differ: ${valid.map((e) => `${e.url} → resource ${JSON.stringify(e.json.resource)}, authorization_servers ${JSON.stringify(e.json.authorization_servers)}`).join('; ')}`);
  }
  for (const exchange of new Set([header, inserted, root])) {
    if (!exchange || exchange.status < 200 || exchange.status >= 300 || isValidPrm(exchange)) continue;
    const why = exchange.json ? prmProblems(exchange.json).join('; ') : outcome(exchange);
    report(ctx, 'prm-invalid', ALL_CLIENTS, `PRM at ${exchange.url} is not usable: ${why}`);
  }
}

/**
 * Step 2: protected-resource metadata where each client looks: the
 * challenge's `resource_metadata`, the path-inserted well-known URL and the
 * root one; `resource` matching the URL; `authorization_servers` present.
 *
 * @example
 * ```ts
 * const prm = await checkProtectedResource(ctx, challenge);
 * prm.found?.authorizationServer; // 'https://idp.example.com'
 * ```
 */
export async function checkProtectedResource(ctx: DoctorContext, challenge: ChallengeResult): Promise<PrmResult> {
  const rootUrl = `${ctx.url.origin}${PRM_WELL_KNOWN}`;
  const path = endpointPath(ctx.url);
  const [header, inserted, root] = await Promise.all([
    challenge.resourceMetadataUrl ? ctx.http.get(challenge.resourceMetadataUrl) : undefined,
    ctx.http.get(`${rootUrl}${path}`),
    ctx.http.get(rootUrl),
  ]);
  const used = clientLookup(header, inserted, root);
  const found = isValidPrm(used) ? used : undefined;
  const anyValid = [header, inserted, root].some((e) => e && isValidPrm(e));
  const anyDocument = [header, inserted, root].some((e) => e && answered(e));
  if (!anyValid && !anyDocument) {
    const tried = [...new Set([header, inserted, root])].filter((e): e is Exchange => !!e).map((e) => `${e.url} (${outcome(e)})`);
    report(ctx, 'prm-missing', ALL_CLIENTS, `No protected-resource metadata: ${tried.join(', ')}; clients fall back to treating ${ctx.url.origin} as the authorization server (MCP 2025-03-26)`);
    return {};
  }
  checkLocations(ctx, { header, inserted, root }, found ? [] : ALL_CLIENTS);
  if (!found) return {};
  checkDocument(ctx, found);
  return { found: { url: found.url, doc: found.json, authorizationServer: (found.json.authorization_servers as string[])[0]! } };
}
