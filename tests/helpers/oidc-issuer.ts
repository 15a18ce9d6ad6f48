/**
 * A real authorization server (`oidc-provider` v9) for end-to-end tests,
 * started in-process on 127.0.0.1 and a free port, in one of two shapes:
 *
 * - `startMcpReadyIssuer`: what an MCP-grade IdP looks like. Resource
 *   indicators issue RS256 JWT access tokens whose `aud` is the MCP resource,
 *   open dynamic client registration, PKCE S256, refresh tokens for clients
 *   that registered the `refresh_token` grant.
 * - `startPlainIssuer`: an IdP that is not MCP-ready. Opaque access tokens,
 *   RFC 7662 introspection, no DCR; one confidential client for introspection
 *   and one pre-registered public client that a DCR façade can hand out.
 *
 * Both sign users in through oidc-provider's dev interactions (any login, any
 * password), which `headlessLogin` drives without a browser.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type ClientMetadata, type Configuration, type JWK } from 'oidc-provider';

/** A running test authorization server. */
export interface OidcIssuer {
  /** The issuer identifier, `http://127.0.0.1:<port>` (no trailing slash). */
  issuer: string;
  provider: Provider;
  /** Every request the server received, as `METHOD /path`, oldest first. */
  requests: string[];
  /** Fault tests: each request waits for the promise `stall` returns for its path (a slow or stalled IdP); `undefined`, none waits. */
  stallWith(stall: ((path: string) => Promise<void> | undefined) | undefined): void;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

export interface McpReadyIssuerOptions {
  /** The canonical MCP resource URI; the only resource tokens are issued for. */
  resource: string;
  /** Scopes the resource server accepts. */
  scopes?: string[];
  /** Filled in when an authorization request asks for no scope at all. */
  defaultScope?: string;
  /** Access token lifetime in seconds. */
  accessTokenTtl?: number;
  /**
   * What the `scope` a client sends at registration means. `enforced`
   * (oidc-provider's own behaviour, the default): the client may never ask
   * for more. `advisory`: it is dropped, so the client may later ask for any
   * scope of the resource, as IdPs that ignore RFC 7591 `scope` allow.
   */
  registeredScope?: 'enforced' | 'advisory';
}

export interface PlainIssuerOptions {
  /** The public client a DCR façade hands out; it may use loopback redirect URIs on any port. */
  publicClient?: { clientId?: string; redirectUris?: string[] };
  /** The confidential client Gatehouse uses for introspection. */
  introspectionClient?: { clientId?: string; clientSecret?: string };
  scopes?: string[];
  defaultScope?: string;
}

export interface PlainIssuer extends OidcIssuer {
  publicClientId: string;
  introspectionClient: { clientId: string; clientSecret: string };
}

const DEFAULT_SCOPES = ['mcp:tools', 'mcp:admin'];

/**
 * Starts an MCP-ready `oidc-provider`: JWT access tokens bound to `resource`.
 *
 * @example
 * ```ts
 * const as = await startMcpReadyIssuer({ resource: 'http://127.0.0.1:4000/mcp' });
 * // ... Gatehouse with { issuer: as.issuer }
 * await as.close();
 * ```
 */
export async function startMcpReadyIssuer(options: McpReadyIssuerOptions): Promise<OidcIssuer> {
  const resourceScopes = options.scopes ?? DEFAULT_SCOPES;
  const { resource } = options;
  return startIssuer(async () => ({
    ...(await baseConfiguration(resourceScopes)),
    ...(options.registeredScope === 'advisory' ? dropRegisteredScope() : {}),
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Clients that send no `resource` still get a token for the MCP server.
        defaultResource: function defaultToMcpResource() {
          return resource;
        },
        useGrantedResource: function alwaysUseGrantedResource() {
          return true;
        },
        getResourceServerInfo: function describeMcpResource(_ctx, indicator) {
          if (indicator !== resource) throw new errors.InvalidTarget();
          return {
            audience: resource,
            scope: resourceScopes.join(' '),
            accessTokenTTL: options.accessTokenTtl ?? 3600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  }), options.defaultScope ?? resourceScopes[0] ?? 'openid');
}

/**
 * Starts a plain `oidc-provider`: opaque access tokens, introspection, no DCR,
 * two pre-registered clients.
 *
 * @example
 * ```ts
 * const as = await startPlainIssuer();
 * // Gatehouse with { issuer: as.issuer, introspection: as.introspectionClient, registration: { clientId: as.publicClientId } }
 * ```
 */
export async function startPlainIssuer(options: PlainIssuerOptions = {}): Promise<PlainIssuer> {
  const scopes = options.scopes ?? DEFAULT_SCOPES;
  const publicClientId = options.publicClient?.clientId ?? 'mcp-public-client';
  const introspectionClient = {
    clientId: options.introspectionClient?.clientId ?? 'gatehouse-introspector',
    clientSecret: options.introspectionClient?.clientSecret ?? 'introspector-secret-for-tests-only',
  };
  const clients: ClientMetadata[] = [
    {
      client_id: publicClientId,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      // Native + loopback: oidc-provider accepts these on any port (RFC 8252 §7.3).
      redirect_uris: options.publicClient?.redirectUris ?? ['http://127.0.0.1/callback', 'http://localhost/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: scopes.join(' '),
    },
    {
      client_id: introspectionClient.clientId,
      client_secret: introspectionClient.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [],
      grant_types: [],
      response_types: [],
    },
  ];
  const started = await startIssuer(async () => ({
    ...(await baseConfiguration(scopes)),
    clients,
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: false },
      // On by default in v9; off, a `resource` parameter is ignored and tokens stay opaque.
      resourceIndicators: { enabled: false },
      revocation: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: function onlyTheIntrospector(ctx) {
          return ctx.oidc.client?.clientId === introspectionClient.clientId;
        },
      },
    },
  }), options.defaultScope ?? scopes[0] ?? 'openid');
  return { ...started, publicClientId, introspectionClient };
}

/**
 * oidc-provider lets a validator of extra client metadata rewrite the whole
 * metadata object; this one forgets the registered `scope`.
 */
function dropRegisteredScope(): Pick<Configuration, 'extraClientMetadata'> {
  return {
    extraClientMetadata: {
      properties: ['x_registered_scope_is_advisory'],
      validator: function forgetRegisteredScope(_ctx, _key, _value, metadata) {
        delete metadata.scope;
      },
    },
  };
}

/** What every test issuer shares: a fresh RS256 key, PKCE, native-app defaults, any login an account. */
export async function baseConfiguration(scopes: string[]): Promise<Configuration> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-rs256', alg: 'RS256', use: 'sig' } as JWK;
  return {
    jwks: { keys: [jwk] },
    cookies: { keys: ['gatehouse-test-cookie-key'] },
    scopes: ['openid', 'offline_access', ...scopes],
    // DCR clients that say nothing are native apps, so loopback redirect URIs match on any port.
    clientDefaults: {
      application_type: 'native',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'RS256',
    },
    pkce: { required: () => true },
    issueRefreshToken: function whenTheClientMayRefresh(_ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    ttl: { Session: 600, Interaction: 600, Grant: 600, AuthorizationCode: 60, AccessToken: 3600, RefreshToken: 86_400 },
    // Dev interactions accept any login; the login name becomes `sub`.
    findAccount: function anyLoginIsAnAccount(_ctx, id) {
      return { accountId: id, claims: () => ({ sub: id }) };
    },
  };
}

/** Listens on 127.0.0.1 (a free port), then builds the provider for that issuer URL and records every request. */
export async function startIssuer(configure: (issuer: string) => Promise<Configuration>, defaultScope: string): Promise<OidcIssuer> {
  // The issuer URL needs the port, so listen first and attach the provider after.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, await configure(issuer));
  const requests: string[] = [];
  let stall: ((path: string) => Promise<void> | undefined) | undefined;
  const running: OidcIssuer = { issuer, provider, requests, close: closeIssuer, stallWith: (next) => void (stall = next) };
  provider.use(async function recordRequest(ctx, next) {
    requests.push(`${ctx.method} ${ctx.path}`);
    await stall?.(ctx.path);
    await next();
  });
  // Real IdPs apply default scopes; oidc-provider denies a request with none.
  // Must be registered before callback() is taken.
  provider.use(async function fillDefaultScope(ctx, next) {
    if (ctx.method === 'GET' && ctx.path === '/auth' && !ctx.query.scope) {
      ctx.query = { ...ctx.query, scope: defaultScope };
    }
    await next();
  });
  server.on('request', provider.callback());
  function closeIssuer(): Promise<void> {
    server.closeAllConnections();
    return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  }
  return running;
}
