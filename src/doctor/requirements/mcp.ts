import type { CheckId, Level, Requirement, SpecRevision } from './types.js';

/**
 * The MCP authorization specification's requirements on servers and
 * authorization servers, per revision. Most sentences appear, word for
 * word, in several revisions; each entry lists the revisions it appears in
 * and where. Sentences on clients only are left out: a server cannot break
 * them.
 */

const SITE = 'https://modelcontextprotocol.io/specification';

/** Pages of the 2026-07-28 revision, which split the one 2025 page in four. */
const PAGE_2026 = {
  index: 'basic/authorization',
  discovery: 'basic/authorization/authorization-server-discovery',
  registration: 'basic/authorization/client-registration',
  security: 'basic/authorization/security-considerations',
  http: 'basic/transports/streamable-http',
  discover: 'server/discover',
} as const;

interface Entry {
  slug: string;
  level: Level;
  sentence: string;
  /** Revision → anchor on its page (2026-07-28: `page#anchor`). */
  where: Partial<Record<SpecRevision, string>>;
  check?: CheckId;
  unobservable?: string;
  fix?: string;
  note?: string;
}

const NEEDS_SIGN_IN = 'needs tokens issued for another resource, or a signed-in user: the doctor holds neither';

const ENTRIES: Entry[] = [
  // Discovery: where clients find the authorization server.
  {
    slug: 'prm-implemented', level: 'MUST', check: 'prm-served',
    sentence: 'MCP servers MUST implement OAuth 2.0 Protected Resource Metadata (RFC9728).',
    where: { '2025-06-18': 'overview', '2025-11-25': 'overview', '2026-07-28': 'index#overview' },
    fix: 'Serve protected-resource metadata (RFC 9728) at /.well-known/oauth-protected-resource<path of the MCP endpoint>',
  },
  {
    slug: 'prm-authorization-servers', level: 'MUST', check: 'prm-authorization-servers',
    sentence: 'The Protected Resource Metadata document returned by the MCP server MUST include the `authorization_servers` field containing at least one authorization server.',
    where: { '2025-06-18': 'authorization-server-location', '2025-11-25': 'authorization-server-location', '2026-07-28': 'discovery#authorization-server-location' },
    fix: 'Add "authorization_servers": ["<issuer URL>"] to the protected-resource metadata',
  },
  {
    slug: 'www-authenticate-resource-metadata', level: 'MUST', check: 'challenge-resource-metadata',
    sentence: 'MCP servers MUST use the HTTP header `WWW-Authenticate` when returning a 401 Unauthorized to indicate the location of the resource server metadata URL as described in RFC9728 Section 5.1 "WWW-Authenticate Response".',
    where: { '2025-06-18': 'authorization-server-location' },
    fix: 'Answer 401 with WWW-Authenticate: Bearer resource_metadata="<absolute PRM URL>"',
  },
  {
    slug: 'prm-discovery-mechanism', level: 'MUST', check: 'prm-discoverable',
    sentence: 'MCP servers MUST implement one of the following discovery mechanisms to provide authorization server location information to MCP clients: ... WWW-Authenticate Header ... Well-Known URI',
    where: { '2025-11-25': 'protected-resource-metadata-discovery-requirements', '2026-07-28': 'discovery#protected-resource-metadata-discovery-requirements' },
    fix: 'Name the PRM in the 401 challenge (resource_metadata=) or serve it at /.well-known/oauth-protected-resource<path>',
  },
  {
    slug: 'challenge-scope', level: 'SHOULD', check: 'challenge-scope',
    sentence: 'MCP servers SHOULD include a `scope` parameter in the `WWW-Authenticate` header as defined in RFC 6750 Section 3 to indicate the scopes required for accessing the resource.',
    where: { '2025-11-25': 'protected-resource-metadata-discovery-requirements', '2026-07-28': 'index#scope-selection-strategy' },
    fix: 'Add scope="<scopes the request needs>" to the Bearer challenge',
  },
  {
    slug: 'as-metadata', level: 'MUST', check: 'as-rfc8414',
    sentence: 'Authorization servers MUST provide OAuth 2.0 Authorization Server Metadata (RFC8414).',
    where: { '2025-06-18': 'overview' },
    fix: 'Serve RFC 8414 metadata at /.well-known/oauth-authorization-server<issuer path> (Gatehouse: OAUTH_MIRROR_METADATA=true)',
  },
  {
    slug: 'as-discovery-mechanism', level: 'MUST', check: 'as-discovery',
    sentence: 'MCP authorization servers MUST provide at least one of the following discovery mechanisms: OAuth 2.0 Authorization Server Metadata (RFC8414) ... OpenID Connect Discovery 1.0',
    where: { '2025-11-25': 'overview', '2026-07-28': 'index#overview' },
    fix: 'Serve RFC 8414 metadata or an OpenID Connect discovery document for the issuer the PRM names',
  },
  // Registration.
  {
    slug: 'dcr', level: 'SHOULD', check: 'as-dcr',
    sentence: 'Authorization servers and MCP clients SHOULD support the OAuth 2.0 Dynamic Client Registration Protocol (RFC7591).',
    where: { '2025-06-18': 'overview' },
    fix: 'Offer dynamic client registration (registration_endpoint in the AS metadata)',
  },
  {
    slug: 'cimd', level: 'SHOULD', check: 'as-cimd',
    sentence: 'Authorization servers and MCP clients SHOULD support OAuth Client ID Metadata Documents.',
    where: { '2025-11-25': 'overview', '2026-07-28': 'index#overview' },
    fix: 'Support Client ID Metadata Documents and advertise client_id_metadata_document_supported: true',
  },
  {
    slug: 'cimd-validation', level: 'MUST', unobservable: 'needs an HTTPS client metadata document the authorization server can fetch, which the doctor does not host',
    sentence: 'MUST validate that the fetched document\'s `client_id` matches the URL exactly',
    where: { '2025-11-25': 'implementation-requirements', '2026-07-28': 'registration#implementation-requirements' },
  },
  // Tokens.
  {
    slug: 'no-query-token', level: 'MUST', check: 'query-token-refused',
    sentence: 'Access tokens MUST NOT be included in the URI query string',
    where: { '2025-06-18': 'token-requirements', '2025-11-25': 'token-requirements', '2026-07-28': 'index#token-requirements' },
    note: 'Written for clients; the server\'s half is not to honour such a token, so that the practice never works.',
    fix: 'Refuse access_token in the query string (400 invalid_request) and read tokens from the Authorization header only',
  },
  {
    slug: 'invalid-token-401', level: 'MUST', check: 'invalid-token-401',
    sentence: 'Invalid or expired tokens MUST receive a HTTP 401 response.',
    where: { '2025-06-18': 'token-handling', '2025-11-25': 'token-handling', '2026-07-28': 'index#token-handling' },
    fix: 'Answer every token that fails verification with 401 and a Bearer challenge, never 5xx (a verifier error must become 401 invalid_token)',
  },
  {
    slug: 'validate-before-processing', level: 'MUST', check: 'unsigned-token-401',
    sentence: 'MCP servers MUST validate access tokens before processing the request, ensuring the access token is issued specifically for the MCP server, and take all necessary steps to ensure no data is returned to unauthorized parties.',
    where: { '2025-06-18': 'access-token-privilege-restriction', '2025-11-25': 'access-token-privilege-restriction', '2026-07-28': 'security#access-token-privilege-restriction' },
    note: 'Checked with an unsigned (`alg: none`) token carrying the right issuer, audience and scope: it must get 401.',
    fix: 'Verify the signature with the issuer\'s keys and an allow-list of algorithms; never accept alg "none"',
  },
  {
    slug: 'audience', level: 'MUST', unobservable: NEEDS_SIGN_IN,
    sentence: 'MCP servers MUST validate that access tokens were issued specifically for them as the intended audience, according to RFC 8707 Section 2.',
    where: { '2025-06-18': 'token-handling', '2025-11-25': 'token-handling', '2026-07-28': 'index#token-handling' },
  },
  {
    slug: 'no-passthrough', level: 'MUST', unobservable: 'what a server sends to upstream APIs cannot be seen from outside',
    sentence: 'The MCP server MUST NOT pass through the token it received from the MCP client.',
    where: { '2025-06-18': 'access-token-privilege-restriction', '2025-11-25': 'access-token-privilege-restriction', '2026-07-28': 'security#access-token-privilege-restriction' },
  },
  {
    slug: 'insufficient-scope-403', level: 'SHOULD', unobservable: 'needs a valid token that lacks a scope some operation needs',
    sentence: 'When a client makes a request with an access token with insufficient scope during runtime operations, the server SHOULD respond with: HTTP 403 Forbidden status code',
    where: { '2025-11-25': 'runtime-insufficient-scope-errors', '2026-07-28': 'index#runtime-insufficient-scope-errors' },
  },
  {
    slug: 'scope-hierarchies', level: 'MUST', unobservable: 'needs tokens with a broader and a narrower scope of the server\'s own scheme',
    sentence: 'Servers MUST account for scope hierarchies, where a broader scope implies narrower ones, when deciding whether a token is sufficient for an operation.',
    where: { '2026-07-28': 'index#step-up-authorization-flow' },
  },
  {
    slug: 'challenge-no-offline-access', level: 'SHOULD', check: 'challenge-no-offline-access',
    sentence: 'MCP Servers (Protected Resources) SHOULD NOT include `offline_access` in `WWW-Authenticate` scope or Protected Resource Metadata `scopes_supported`, as refresh tokens are not a resource requirement.',
    where: { '2026-07-28': 'index#refresh-tokens' },
    note: 'Checked on the challenge; `prm-no-offline-access` checks the same sentence on the PRM.',
    fix: 'Leave offline_access out of the challenge scope',
  },
  {
    slug: 'prm-no-offline-access', level: 'SHOULD', check: 'prm-no-offline-access',
    sentence: 'MCP Servers (Protected Resources) SHOULD NOT include `offline_access` in `WWW-Authenticate` scope or Protected Resource Metadata `scopes_supported`, as refresh tokens are not a resource requirement.',
    where: { '2026-07-28': 'index#refresh-tokens' },
    note: 'Checked on the PRM; `challenge-no-offline-access` checks the same sentence on the challenge.',
    fix: 'Leave offline_access out of PRM scopes_supported',
  },
  // The authorization server.
  {
    slug: 'as-https', level: 'MUST', check: 'as-https',
    sentence: 'All authorization server endpoints MUST be served over HTTPS.',
    where: { '2025-06-18': 'communication-security', '2025-11-25': 'communication-security', '2026-07-28': 'security#communication-security' },
    note: 'A server on a loopback address is a development instance: the doctor cannot tell how it will be deployed and says so instead of failing it.',
    fix: 'Serve the authorization server over https',
  },
  {
    slug: 'refresh-rotation', level: 'MUST', unobservable: NEEDS_SIGN_IN,
    sentence: 'For public clients, authorization servers MUST rotate refresh tokens as described in OAuth 2.1 Section 4.3.1 "Token Endpoint Extension".',
    where: { '2025-06-18': 'token-theft', '2025-11-25': 'token-theft', '2026-07-28': 'security#token-theft' },
  },
  {
    slug: 'pkce-advertised', level: 'MUST', check: 'as-pkce-advertised',
    sentence: 'OAuth 2.0 Authorization Server Metadata: If `code_challenge_methods_supported` is absent, the authorization server does not support PKCE and MCP clients MUST refuse to proceed.',
    where: { '2025-11-25': 'authorization-code-protection', '2026-07-28': 'security#authorization-code-protection' },
    note: 'A client requirement that makes the field a server requirement: without it, no conforming client signs in.',
    fix: 'Add code_challenge_methods_supported: ["S256"] to the AS metadata (Gatehouse: OAUTH_MIRROR_METADATA=true)',
  },
  {
    slug: 'oidc-pkce-advertised', level: 'MUST', check: 'oidc-pkce-advertised',
    sentence: 'Authorization servers providing OpenID Connect Discovery 1.0 MUST include `code_challenge_methods_supported` in their metadata to ensure MCP compatibility.',
    where: { '2025-11-25': 'authorization-code-protection', '2026-07-28': 'security#authorization-code-protection' },
    fix: 'Add code_challenge_methods_supported: ["S256"] to /.well-known/openid-configuration',
  },
  {
    slug: 'redirect-localhost-or-https', level: 'MUST', check: 'register-refuses-http',
    sentence: 'All redirect URIs MUST be either `localhost` or use HTTPS.',
    where: { '2025-06-18': 'communication-security', '2025-11-25': 'communication-security', '2026-07-28': 'security#communication-security' },
    note: 'With --register: a registration with http://<a non-loopback host>/callback must be refused.',
    fix: 'Refuse redirect URIs that are neither https nor loopback at registration (400 invalid_redirect_uri)',
  },
  {
    slug: 'exact-redirect', level: 'MUST', check: 'authorize-exact-redirect',
    sentence: 'Authorization servers MUST validate exact redirect URIs against pre-registered values to prevent redirection attacks.',
    where: { '2025-06-18': 'open-redirection', '2025-11-25': 'open-redirection', '2026-07-28': 'security#open-redirection' },
    note: 'With --register: an authorization request naming an https redirect URI nobody registered must be refused on the spot (4xx), neither redirected there nor taken on to sign-in.',
    fix: 'Compare redirect_uri with the registered ones exactly (only a loopback port may differ) and show an error page, never redirect, on a mismatch',
  },
  {
    slug: 'consent-redirect-host', level: 'MUST', unobservable: 'needs a person at the consent page',
    sentence: 'MUST clearly display the redirect URI hostname during authorization',
    where: { '2025-11-25': 'localhost-redirect-uri-risks', '2026-07-28': 'security#localhost-redirect-uri-risks' },
  },
  {
    slug: 'iss-parameter', level: 'SHOULD', check: 'as-iss-parameter',
    sentence: 'MCP authorization servers SHOULD include the `iss` parameter in authorization responses, including error responses, as defined in RFC9207 Section 2.',
    where: { '2026-07-28': 'index#authorization-response-validation' },
    note: 'Judged by the metadata flag; with --register the error response itself is checked too (`rfc9207/iss-in-responses`).',
    fix: 'Return iss in authorization responses and advertise authorization_response_iss_parameter_supported: true',
  },
  {
    slug: 'iss-advertised', level: 'MUST', check: 'authorize-iss-advertised',
    sentence: 'Authorization servers that include the `iss` parameter MUST advertise this by setting `authorization_response_iss_parameter_supported` to `true` in their metadata (RFC9207 Section 2.3).',
    where: { '2026-07-28': 'index#authorization-response-validation' },
    fix: 'Advertise authorization_response_iss_parameter_supported: true in the AS metadata',
  },
  // 2026-07-28 transport: only for a server that speaks it.
  {
    slug: 'server-discover', level: 'MUST', check: 'modern-discover',
    sentence: 'Servers MUST implement it.',
    where: { '2026-07-28': 'discover' },
    note: '"it" is `server/discover`. The doctor knows a server speaks 2026-07-28 from its server/discover answer (a 2025 stateless server answers other methods too), so this cannot fail: it shows the answer, with --token.',
    fix: 'Answer server/discover with supportedVersions, capabilities and serverInfo',
  },
  {
    slug: 'discover-server-info', level: 'SHOULD', check: 'modern-server-info',
    sentence: 'Servers SHOULD include this field.',
    where: { '2026-07-28': 'discover#discoverresult' },
    note: '"this field" is `_meta[\'io.modelcontextprotocol/serverInfo\']` of the server/discover result.',
    fix: 'Include _meta["io.modelcontextprotocol/serverInfo"] ({ name, version }) in the server/discover result',
  },
  {
    slug: 'header-method-mismatch', level: 'MUST', check: 'modern-method-mismatch',
    sentence: 'Servers that process the request body MUST reject requests where the values specified in the headers do not match the corresponding values in the request body.',
    where: { '2026-07-28': 'http#server-validation' },
    note: 'Mcp-Method naming another method than the body: 400 with JSON-RPC error -32020.',
    fix: 'Compare Mcp-Method with the body\'s method and answer 400 / -32020 (HeaderMismatch) when they differ',
  },
  {
    slug: 'header-name-mismatch', level: 'MUST', check: 'modern-name-mismatch',
    sentence: 'Servers that process the request body MUST reject requests where the values specified in the headers do not match the corresponding values in the request body.',
    where: { '2026-07-28': 'http#server-validation' },
    note: 'Mcp-Name naming another tool than the body of a tools/call (both tools made up, so nothing runs): 400 with -32020.',
    fix: 'Compare Mcp-Name with params.name / params.uri and answer 400 / -32020 when they differ',
  },
  {
    slug: 'header-version-mismatch', level: 'MUST', check: 'modern-version-mismatch',
    sentence: 'The header value MUST match the `io.modelcontextprotocol/protocolVersion` field carried in the request body\'s `_meta`. If the values do not match, the server MUST reject the request with `400 Bad Request` and a `HeaderMismatch` JSON-RPC error',
    where: { '2026-07-28': 'http#protocol-version-header' },
    fix: 'Compare MCP-Protocol-Version with _meta["io.modelcontextprotocol/protocolVersion"] and answer 400 / -32020 when they differ',
  },
  {
    slug: 'header-missing', level: 'MUST', check: 'modern-missing-method',
    sentence: 'When rejecting a request due to header validation failure, servers MUST return HTTP status `400 Bad Request` and MUST include a JSON-RPC error response using the following error code: -32020',
    where: { '2026-07-28': 'http#server-validation' },
    note: 'Validation failures include "A required standard header (MCP-Protocol-Version, Mcp-Method, Mcp-Name) is missing": checked without Mcp-Method.',
    fix: 'Refuse a 2026-07-28 request without Mcp-Method with 400 / -32020',
  },
  {
    slug: 'header-missing-name', level: 'MUST', check: 'modern-missing-name',
    sentence: 'When rejecting a request due to header validation failure, servers MUST return HTTP status `400 Bad Request` and MUST include a JSON-RPC error response using the following error code: -32020',
    where: { '2026-07-28': 'http#server-validation' },
    note: 'Checked with a tools/call without Mcp-Name.',
    fix: 'Refuse a tools/call, resources/read or prompts/get without Mcp-Name with 400 / -32020',
  },
  {
    slug: 'header-base64-name', level: 'MUST', check: 'modern-base64-name',
    sentence: 'In particular, servers MUST decode an encoded `Mcp-Name` or `Mcp-Param-{Name}` value before comparing it',
    where: { '2026-07-28': 'http#value-encoding' },
    note: 'A tools/call whose Mcp-Name is the body\'s name in the =?base64?...?= form must not be refused as a mismatch.',
    fix: 'Decode =?base64?<value>?= header values before comparing them with the body',
  },
  {
    slug: 'unsupported-version', level: 'MUST', check: 'modern-unsupported-version',
    sentence: 'If the server does not implement the requested protocol version ..., it MUST respond with `400 Bad Request` and an `UnsupportedProtocolVersionError` listing its supported versions.',
    where: { '2026-07-28': 'http#protocol-version-header' },
    fix: 'Answer an unknown protocol version with 400 and error -32022 whose data.supported lists your versions',
  },
  {
    slug: 'unknown-method-404', level: 'MUST', check: 'modern-unknown-method',
    sentence: 'If the server does not implement the requested RPC method, it MUST respond with `404 Not Found` and a JSON-RPC error with code `-32601` (`Method not found`).',
    where: { '2026-07-28': 'http#protocol-version-header' },
    fix: 'Answer an unknown method on a 2026-07-28 request with 404 and JSON-RPC error -32601',
  },
  {
    slug: 'origin-validation', level: 'MUST', unobservable: 'which origins are invalid is the server\'s own policy: an allowed origin and an invalid one look alike from outside',
    sentence: 'Servers MUST validate the `Origin` header on all incoming connections to prevent DNS rebinding attacks.',
    where: { '2026-07-28': 'http' },
  },
];

function linkFor(revision: SpecRevision, where: string): string {
  if (revision !== '2026-07-28') return `${SITE}/${revision}/basic/authorization#${where}`;
  const [page, anchor] = where.split('#') as [keyof typeof PAGE_2026, string | undefined];
  return `${SITE}/${revision}/${PAGE_2026[page]}${anchor ? `#${anchor}` : ''}`;
}

/**
 * The MCP requirements of one revision.
 *
 * @example
 * ```ts
 * mcpRequirements('2026-07-28').find((r) => r.id === 'mcp-2026-07-28/invalid-token-401')?.level; // 'MUST'
 * ```
 */
export function mcpRequirements(revision: SpecRevision): Requirement[] {
  return ENTRIES.filter((e) => e.where[revision] !== undefined).map((e) => ({
    id: `mcp-${revision}/${e.slug}`,
    source: `mcp-${revision}`,
    level: e.level,
    sentence: e.sentence,
    link: linkFor(revision, e.where[revision]!),
    observe: e.check ? { check: e.check } : { unobservable: e.unobservable ?? 'not observable' },
    ...(e.fix ? { fix: e.fix } : {}),
    ...(e.note ? { note: e.note } : {}),
  }));
}
