import { CORS_REQUIREMENTS } from './cors.js';
import { mcpRequirements } from './mcp.js';
import { RFC_REQUIREMENTS } from './rfcs.js';
import type { Requirement, Source, SourceId, SpecRevision } from './types.js';

export type * from './types.js';

export const SPEC_REVISIONS: readonly SpecRevision[] = ['2026-07-28', '2025-11-25', '2025-06-18'];
export const DEFAULT_SPEC: SpecRevision = '2026-07-28';

const MCP_SITE = 'https://modelcontextprotocol.io/specification';

/** Every source, in the order reports list them. */
export const SOURCES: readonly Source[] = [
  { id: 'mcp-2026-07-28', title: 'MCP 2026-07-28', url: `${MCP_SITE}/2026-07-28/basic/authorization` },
  { id: 'mcp-2025-11-25', title: 'MCP 2025-11-25', url: `${MCP_SITE}/2025-11-25/basic/authorization` },
  { id: 'mcp-2025-06-18', title: 'MCP 2025-06-18', url: `${MCP_SITE}/2025-06-18/basic/authorization` },
  { id: 'rfc6750', title: 'RFC 6750 Bearer Token Usage', url: 'https://www.rfc-editor.org/rfc/rfc6750' },
  { id: 'rfc9728', title: 'RFC 9728 Protected Resource Metadata', url: 'https://www.rfc-editor.org/rfc/rfc9728' },
  { id: 'rfc8414', title: 'RFC 8414 Authorization Server Metadata', url: 'https://www.rfc-editor.org/rfc/rfc8414' },
  { id: 'oidc-discovery', title: 'OpenID Connect Discovery 1.0', url: 'https://openid.net/specs/openid-connect-discovery-1_0.html' },
  { id: 'rfc7636', title: 'RFC 7636 PKCE', url: 'https://www.rfc-editor.org/rfc/rfc7636' },
  { id: 'rfc8252', title: 'RFC 8252 OAuth for Native Apps', url: 'https://www.rfc-editor.org/rfc/rfc8252' },
  { id: 'rfc6749', title: 'RFC 6749 OAuth 2.0', url: 'https://www.rfc-editor.org/rfc/rfc6749' },
  { id: 'rfc8707', title: 'RFC 8707 Resource Indicators', url: 'https://www.rfc-editor.org/rfc/rfc8707' },
  { id: 'rfc9207', title: 'RFC 9207 Issuer Identification', url: 'https://www.rfc-editor.org/rfc/rfc9207' },
  { id: 'fetch', title: 'Fetch standard (CORS, for browser clients)', url: 'https://fetch.spec.whatwg.org/#http-cors-protocol' },
];

const ORDER = new Map<SourceId, number>(SOURCES.map((s, i) => [s.id, i]));

/**
 * The requirements `--spec <revision>` evaluates: that MCP revision's, then
 * every RFC's and the CORS ones, grouped by source.
 *
 * @example
 * ```ts
 * catalogue('2026-07-28').filter((r) => 'check' in r.observe).length; // the observable ones
 * ```
 */
export function catalogue(revision: SpecRevision = DEFAULT_SPEC): Requirement[] {
  return [...mcpRequirements(revision), ...RFC_REQUIREMENTS, ...CORS_REQUIREMENTS].sort((a, b) => ORDER.get(a.source)! - ORDER.get(b.source)!);
}

/**
 * Every requirement of every revision, each id once (the doc lists them all).
 *
 * @example
 * ```ts
 * allRequirements().length;
 * ```
 */
export function allRequirements(): Requirement[] {
  const seen = new Map<string, Requirement>();
  for (const revision of SPEC_REVISIONS) for (const r of catalogue(revision)) seen.set(r.id, r);
  return [...seen.values()].sort((a, b) => ORDER.get(a.source)! - ORDER.get(b.source)!);
}
