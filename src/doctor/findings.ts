import type { Finding, ProfileId, Severity, StepId } from './types.js';

/**
 * Every finding the doctor can report: its stable id, the step it belongs to,
 * how bad it is and the usual fix. Checks pass the message (what was seen)
 * and, where the fix depends on the server, a more precise fix.
 */

interface FindingKind {
  step: StepId;
  severity: Severity;
  fix: string;
}

const MIRROR = 'run Gatehouse in front with OAUTH_MIRROR_METADATA=true';

export const FINDINGS = {
  // challenge
  unreachable: { step: 'challenge', severity: 'fail', fix: 'Check the URL, that the server runs, and that this machine reaches it (DNS, firewall, TLS certificate)' },
  'challenge-status': { step: 'challenge', severity: 'fail', fix: 'Answer a request without a token with 401 and a WWW-Authenticate: Bearer challenge' },
  'challenge-missing': { step: 'challenge', severity: 'fail', fix: 'Send WWW-Authenticate: Bearer resource_metadata="<PRM URL>" with every 401' },
  'challenge-resource-metadata': { step: 'challenge', severity: 'fail', fix: 'Add resource_metadata="<absolute PRM URL>" to the Bearer challenge (MCP 2025-06-18)' },
  'challenge-resource-metadata-invalid': { step: 'challenge', severity: 'fail', fix: 'Make resource_metadata an absolute https URL (http only on loopback)' },
  'challenge-not-first': { step: 'challenge', severity: 'warn', fix: 'Put the Bearer challenge first in WWW-Authenticate (or send it alone)' },
  'challenge-parse': { step: 'challenge', severity: 'warn', fix: 'Quote every challenge parameter and avoid escapes: resource_metadata="...", scope="..."' },
  'challenge-offline-access': { step: 'challenge', severity: 'warn', fix: 'Leave offline_access out of the challenge scope (MCP 2026-07-28)' },
  'challenge-error-without-token': { step: 'challenge', severity: 'info', fix: 'Omit error= when the request had no token (RFC 6750 §3.1)' },
  'insecure-http': { step: 'challenge', severity: 'warn', fix: 'Serve the MCP endpoint over https (OAuth 2.1 allows http only on loopback)' },
  'claude-loopback': { step: 'challenge', severity: 'info', fix: 'Expose the server on a public https URL (a tunnel will do) to try it from claude.ai' },
  'discover-challenge-status': { step: 'challenge', severity: 'fail', fix: 'Answer server/discover without a token like any other request: 401 with the Bearer challenge (MCP 2026-07-28)' },
  'discover-unprotected': { step: 'challenge', severity: 'warn', fix: 'Protect server/discover like every other method: 401 with the Bearer challenge when there is no token' },
  'discover-challenge-differs': { step: 'challenge', severity: 'warn', fix: 'Send the same Bearer challenge (resource_metadata, scope) to server/discover as to initialize' },
  // protected-resource metadata
  'prm-missing': { step: 'prm', severity: 'fail', fix: 'Serve protected-resource metadata (RFC 9728) at /.well-known/oauth-protected-resource<path> and the root' },
  'prm-header-url': { step: 'prm', severity: 'fail', fix: 'Serve the PRM at the exact URL resource_metadata names (or point it where the PRM is)' },
  'prm-path-inserted': { step: 'prm', severity: 'fail', fix: 'Serve PRM at /.well-known/oauth-protected-resource<path> too' },
  'prm-root': { step: 'prm', severity: 'fail', fix: 'Serve PRM at /.well-known/oauth-protected-resource too' },
  'prm-invalid': { step: 'prm', severity: 'fail', fix: 'Serve PRM as a JSON object with "resource" and a non-empty "authorization_servers" array of URLs' },
  'prm-inconsistent': { step: 'prm', severity: 'warn', fix: 'Serve the same PRM document at every location' },
  'prm-resource-mismatch': { step: 'prm', severity: 'fail', fix: 'Set PRM "resource" to the MCP URL clients are given (PUBLIC_URL + path, no trailing slash)' },
  'prm-resource-not-exact': { step: 'prm', severity: 'fail', fix: 'Set PRM "resource" to exactly the MCP URL clients are given (PUBLIC_URL + path, no trailing slash)' },
  'prm-offline-access': { step: 'prm', severity: 'warn', fix: 'Leave offline_access out of PRM scopes_supported (MCP 2026-07-28)' },
  'prm-multiple-as': { step: 'prm', severity: 'info', fix: 'List the authorization server clients should use first' },
  // authorization-server metadata
  'as-metadata-missing': { step: 'as-metadata', severity: 'fail', fix: `Serve RFC 8414 metadata where clients look (or ${MIRROR})` },
  'as-metadata-5xx': { step: 'as-metadata', severity: 'fail', fix: 'Answer unknown well-known URLs with 404, not 5xx: clients stop discovery at a 5xx' },
  'as-metadata-invalid': { step: 'as-metadata', severity: 'fail', fix: 'Serve the authorization-server metadata as a JSON object with Content-Type application/json' },
  'as-metadata-rfc8414': { step: 'as-metadata', severity: 'fail', fix: `Serve RFC 8414 metadata at /.well-known/oauth-authorization-server (or ${MIRROR})` },
  'as-metadata-openid': { step: 'as-metadata', severity: 'warn', fix: 'Serve /.well-known/openid-configuration too (or run Gatehouse with OAUTH_OPENID_ALIAS=true)' },
  'as-issuer-mismatch': { step: 'as-metadata', severity: 'fail', fix: `Make the metadata "issuer" equal the PRM authorization_servers entry, character for character (or ${MIRROR})` },
  'as-issuer-trailing-slash': { step: 'as-metadata', severity: 'warn', fix: 'Spell the issuer the same in PRM authorization_servers and the metadata, trailing slash included' },
  'as-required-fields': { step: 'as-metadata', severity: 'fail', fix: 'Add the missing fields to the authorization-server metadata' },
  'as-redirect-cross-origin': { step: 'as-metadata', severity: 'warn', fix: 'Serve the metadata document itself: the MCP SDK does not follow redirects to another origin' },
  'claude-path-issuer': { step: 'as-metadata', severity: 'warn', fix: `Use a path-less issuer on the MCP origin for Claude (${MIRROR})` },
  'legacy-as-metadata': { step: 'as-metadata', severity: 'info', fix: `Serve AS metadata at the MCP origin's /.well-known/oauth-authorization-server for 2025-03-26 clients (${MIRROR})` },
  'iss-parameter': { step: 'as-metadata', severity: 'info', fix: 'Return iss in authorization responses and advertise authorization_response_iss_parameter_supported: true (RFC 9207)' },
  'resource-parameter': { step: 'as-metadata', severity: 'info', fix: 'Honour the resource parameter (RFC 8707: token audience = the MCP server URL) and advertise resource_parameter_supported: true' },
  // PKCE
  'pkce-missing': { step: 'pkce', severity: 'fail', fix: `Add code_challenge_methods_supported: ["S256"] to the AS metadata (or ${MIRROR})` },
  'pkce-no-s256': { step: 'pkce', severity: 'fail', fix: 'Support PKCE S256 and list it in code_challenge_methods_supported' },
  // registration
  'registration-unavailable': { step: 'registration', severity: 'fail', fix: 'Offer DCR (registration_endpoint) or CIMD, or run Gatehouse with OAUTH_CLIENT_ID=<public client> and OAUTH_MIRROR_METADATA=true' },
  'registration-manual': { step: 'registration', severity: 'warn', fix: 'Offer DCR (registration_endpoint) so VS Code need not ask the user for a client ID' },
  'cimd-needs-none': { step: 'registration', severity: 'info', fix: 'Add "none" to token_endpoint_auth_methods_supported so Claude uses its client metadata document' },
  'cimd-unavailable': { step: 'registration', severity: 'info', fix: 'Support Client ID Metadata Documents (client_id_metadata_document_supported: true), the primary way since MCP 2026-07-28' },
  'token-auth-none': { step: 'registration', severity: 'warn', fix: 'Accept public clients: add "none" to token_endpoint_auth_methods_supported' },
  'dcr-refused': { step: 'registration', severity: 'fail', fix: "Accept this client's redirect URIs at registration (loopback on any port, https, its custom scheme)" },
  // CORS (browser clients)
  'cors-preflight': { step: 'cors', severity: 'fail', fix: 'Answer OPTIONS on the MCP endpoint with 204, Access-Control-Allow-Origin and Allow-Headers: Authorization, Content-Type, MCP-Protocol-Version' },
  'cors-challenge': { step: 'cors', severity: 'fail', fix: 'Add Access-Control-Allow-Origin and Access-Control-Expose-Headers: WWW-Authenticate to the MCP endpoint\'s responses, 401 included' },
  'cors-documents': { step: 'cors', severity: 'fail', fix: 'Add Access-Control-Allow-Origin: * to every discovery document' },
  'cors-documents-preflight': { step: 'cors', severity: 'warn', fix: 'Answer OPTIONS on discovery documents allowing the MCP-Protocol-Version header' },
  'cors-not-found': { step: 'cors', severity: 'warn', fix: 'Add Access-Control-Allow-Origin: * to the 404s of /.well-known/ URLs too' },
  'cors-registration': { step: 'cors', severity: 'fail', fix: 'Answer CORS (OPTIONS and Access-Control-Allow-Origin) on the registration endpoint' },
  'cors-token': { step: 'cors', severity: 'fail', fix: 'Answer CORS (OPTIONS and Access-Control-Allow-Origin) on the token endpoint' },
  // eras (with --token)
  'era-modern-missing': { step: 'era', severity: 'fail', fix: 'Serve MCP 2026-07-28: build the server on the SDK v2 (createMcpHandler from @modelcontextprotocol/server serves 2026-07-28 and the 2025 fallback) and let every proxy in front pass server/discover and the Mcp-* headers' },
  'era-legacy-missing': { step: 'era', severity: 'fail', fix: 'Answer the 2025 initialize too: createMcpHandler from @modelcontextprotocol/server serves a stateless 2025 fallback' },
  'era-token-refused': { step: 'era', severity: 'info', fix: 'Pass an access token this server accepts with --token (audience this MCP URL, the scopes it requires)' },
} satisfies Record<string, FindingKind>;

/** A finding id the doctor knows. */
export type FindingId = keyof typeof FINDINGS;

/**
 * Builds a finding from its catalogue entry.
 *
 * @example
 * ```ts
 * finding('pkce-missing', ['sdk', 'vscode'], 'The AS metadata has no code_challenge_methods_supported');
 * ```
 */
export function finding(id: FindingId, clients: readonly ProfileId[], message: string, fix?: string): Finding {
  const kind: FindingKind = FINDINGS[id];
  return { id, severity: kind.severity, step: kind.step, clients: [...clients], message, fix: fix ?? kind.fix };
}
