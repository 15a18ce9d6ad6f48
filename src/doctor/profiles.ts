import type { ProfileId } from './types.js';

/**
 * What each real MCP client is known to do (the project's reference
 * clients.md, collected from the clients' code and issue trackers). Only the
 * behaviours that change a diagnosis are modelled; everything else follows
 * the official SDK, which most of them use or copy.
 */
export interface ClientProfile {
  id: ProfileId;
  name: string;
  /** Runs in a browser, so every response it reads needs CORS. */
  browser: boolean;
  /** Rejects PRM whose `resource` is not exactly the URL it was given (else: same origin, path prefix, as the SDK). */
  exactResource: boolean;
  /** Tries OpenID Connect discovery when RFC 8414 metadata is missing. */
  oidcDiscovery: boolean;
  /** Registration methods in the client's order of preference. */
  registration: ('cimd' | 'dcr')[];
  /** Uses CIMD only when `none` is in `token_endpoint_auth_methods_supported` too. */
  cimdNeedsNone: boolean;
  /** The client's CIMD `client_id`, when public. */
  cimdClientId?: string;
  /** Without DCR, asks the user for a client ID instead of failing. */
  manualClientId: boolean;
  /** A cloud service: cannot reach loopback or private addresses. */
  cloud: boolean;
  /** Redirect URIs it registers; `port` is a free loopback port picked for this run. */
  redirectUris(port: number): string[];
  /** Redirect URIs of its client metadata document, when they differ. */
  cimdRedirectUris?: string[];
  /**
   * The protocol era it talks: `legacy`, the 2025 revisions (`initialize`
   * first); `modern`, MCP 2026-07-28 (`server/discover` first, its first
   * request and so the one that meets the 401; without 2026-07-28 on offer a
   * client pinned to it fails, one in `auto` falls back to `initialize`).
   */
  era: 'legacy' | 'modern';
  /** The `application_type` it sends at registration (OpenID Connect; MCP 2026-07-28), when it sends one. */
  applicationType?: 'native' | 'web';
}

/** Where a public client registers with DCR: what mcp-remote, Inspector and the SDK's examples send. */
export interface DcrRequestBody {
  client_name: string;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: 'none';
  application_type?: 'native' | 'web';
}

export const PROFILES: readonly ClientProfile[] = [
  {
    id: 'sdk', name: 'MCP SDK', browser: false, exactResource: false, oidcDiscovery: true,
    // An SDK app uses CIMD only when it was given a metadata URL; most register with DCR.
    registration: ['dcr'], cimdNeedsNone: false, manualClientId: false, cloud: false, era: 'legacy',
    redirectUris: () => ['http://localhost:8090/callback'],
  },
  {
    // @modelcontextprotocol/client 2.x with versionNegotiation { mode: 'auto' } or { pin: '2026-07-28' } (its default, 'legacy', acts as the v1 SDK).
    // Also checks the metadata issuer and RFC 9207 iss, and derives application_type from its redirect URIs (loopback: native).
    id: 'sdk-v2', name: 'MCP SDK v2 (2026)', browser: false, exactResource: false, oidcDiscovery: true,
    registration: ['dcr'], cimdNeedsNone: false, manualClientId: false, cloud: false, era: 'modern', applicationType: 'native',
    redirectUris: (port) => [`http://127.0.0.1:${port}/callback`],
  },
  {
    id: 'inspector', name: 'MCP Inspector', browser: true, exactResource: false, oidcDiscovery: true,
    registration: ['dcr'], cimdNeedsNone: false, manualClientId: false, cloud: false, era: 'legacy',
    redirectUris: () => ['http://localhost:6274/oauth/callback', 'http://localhost:6274/oauth/callback/debug'],
  },
  {
    id: 'mcp-remote', name: 'mcp-remote', browser: false, exactResource: false, oidcDiscovery: true,
    registration: ['dcr'], cimdNeedsNone: false, manualClientId: false, cloud: false, era: 'legacy',
    redirectUris: (port) => [`http://localhost:${port}/oauth/callback`],
  },
  {
    id: 'claude', name: 'Claude', browser: false, exactResource: false, oidcDiscovery: true,
    registration: ['cimd', 'dcr'], cimdNeedsNone: true, cimdClientId: 'https://claude.ai/oauth/mcp-oauth-client-metadata',
    manualClientId: false, cloud: true, era: 'legacy',
    redirectUris: () => ['https://claude.ai/api/mcp/auth_callback'],
  },
  {
    // Seen not falling back to OpenID Connect discovery (anthropics/claude-code#41253).
    id: 'claude-code', name: 'Claude Code', browser: false, exactResource: false, oidcDiscovery: false,
    registration: ['cimd', 'dcr'], cimdNeedsNone: false, manualClientId: false, cloud: false, era: 'legacy',
    redirectUris: (port) => [`http://localhost:${port}/callback`],
    // Its metadata document lists port-less loopback URIs: the AS must accept any port (RFC 8252 §7.3).
    cimdRedirectUris: ['http://localhost/callback'],
  },
  {
    id: 'vscode', name: 'VS Code', browser: false, exactResource: true, oidcDiscovery: true,
    registration: ['dcr'], cimdNeedsNone: false, manualClientId: true, cloud: false, era: 'legacy',
    redirectUris: () => ['https://vscode.dev/redirect', 'https://insiders.vscode.dev/redirect', 'http://127.0.0.1/', 'http://127.0.0.1:33418/'],
  },
  {
    id: 'cursor', name: 'Cursor', browser: false, exactResource: false, oidcDiscovery: true,
    registration: ['dcr'], cimdNeedsNone: false, manualClientId: false, cloud: false, era: 'legacy',
    redirectUris: () => ['cursor://anysphere.cursor-mcp/oauth/callback'],
  },
];

export const ALL_CLIENTS: readonly ProfileId[] = PROFILES.map((p) => p.id);

/**
 * The registration request a client sends (RFC 7591), named so an
 * administrator can tell the doctor's test clients apart.
 *
 * @example
 * ```ts
 * dcrRequestBody(PROFILES[0]!, 49152); // { client_name: 'gatehouse doctor (MCP SDK)', redirect_uris: [...], ... }
 * ```
 */
export function dcrRequestBody(profile: ClientProfile, port: number): DcrRequestBody {
  return {
    client_name: `gatehouse doctor (${profile.name})`,
    redirect_uris: profile.redirectUris(port),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...(profile.applicationType ? { application_type: profile.applicationType } : {}),
  };
}

/**
 * The names of some clients, for messages: `MCP SDK, VS Code`.
 *
 * @example
 * ```ts
 * clientNames(['sdk', 'vscode']); // 'MCP SDK, VS Code'
 * ```
 */
export function clientNames(ids: readonly ProfileId[]): string {
  return PROFILES.filter((p) => ids.includes(p.id)).map((p) => p.name).join(', ');
}

/**
 * The clients that talk one protocol era.
 *
 * @example
 * ```ts
 * clientsOfEra('modern'); // ['sdk-v2']
 * ```
 */
export function clientsOfEra(era: ClientProfile['era']): ProfileId[] {
  return PROFILES.filter((p) => p.era === era).map((p) => p.id);
}
