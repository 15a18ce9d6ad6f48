/**
 * A minimal authority for testing the sign-in and consent pages: a real
 * `oidc-provider` on 127.0.0.1 with Gatehouse's interactions and local
 * accounts, one statically registered public client whose redirect URI is a
 * real loopback callback server, and resource indicators that issue JWT
 * access tokens for one MCP resource. Used by the headless tests beside the
 * interactions module and by the Playwright test.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type ClientMetadata, type JWK } from 'oidc-provider';
import { resolveConfig } from '../../src/config/resolve.js';
import type { GatehouseConfig, GatehouseConfigInput } from '../../src/config/schema.js';
import { createLocalAccounts, identityConfiguration, type LocalAccounts } from '../../src/authority/identity/index.js';
import type { SignInThrottle } from '../../src/authority/identity/sign-in-throttle.js';
import { createInteractionHandler, interactionsConfiguration } from '../../src/authority/interactions/index.js';

export interface PagesAuthorityOptions {
  /** The authority's settings (env, devLogin, usersFile...). */
  authority?: GatehouseConfigInput['authority'];
  /** The test client's `client_name`; none by default. */
  clientName?: string;
  /** Extra statically registered clients. */
  clients?: ClientMetadata[];
  /** The sign-in throttle (e.g. one with a clock the test moves); default: from the config. */
  throttle?: SignInThrottle;
  /** Wraps the local accounts the pages use (e.g. to count password checks). */
  wrapAccounts?: (accounts: LocalAccounts) => LocalAccounts;
  /**
   * Serves the pages through an Express app whose `express.urlencoded()`
   * reads the sign-in forms first, so they arrive as `req.body`, not as a stream.
   */
  expressParsesForms?: boolean;
}

export interface AuthorizationRequest {
  url: URL;
  state: string;
  codeVerifier: string;
}

export interface PagesAuthority {
  /** `http://127.0.0.1:<port>`: the issuer and the origin of the pages. */
  origin: string;
  config: GatehouseConfig;
  provider: Provider;
  accounts: LocalAccounts;
  /** The MCP resource tokens are issued for. */
  resource: string;
  clientId: string;
  /** The test client's redirect URI, served by a loopback callback server. */
  redirectUri: string;
  /** Every request the callback server received. */
  callbacks: URL[];
  /** Unexpected errors the interaction handler reported. */
  handlerErrors: unknown[];
  /** A fresh authorization-code request with PKCE for the test client. */
  authorize(options?: { scope?: string; clientId?: string; redirectUri?: string; extra?: Record<string, string> }): AuthorizationRequest;
  /** Redeems a code at the token endpoint; returns the token response body. */
  redeem(code: string, codeVerifier: string, options?: { clientId?: string; redirectUri?: string }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

const ROUTE_PREFIX = '/oauth';
export const PAGES_TEST_CLIENT_ID = 'pages-test-client';

/**
 * Starts the test authority and its client's callback server.
 *
 * @example
 * ```ts
 * const as = await startPagesAuthority({ clientName: 'Notes app' });
 * const { url, codeVerifier } = as.authorize();
 * const callback = await headlessLogin(url, { login: 'alice' });
 * await as.redeem(callback.searchParams.get('code')!, codeVerifier);
 * await as.close();
 * ```
 */
export async function startPagesAuthority(options: PagesAuthorityOptions = {}): Promise<PagesAuthority> {
  const callbacks: URL[] = [];
  const callbackServer = await listen(createServer(function answerCallback(req, res) {
    callbacks.push(new URL(req.url ?? '/', `http://${req.headers.host}`));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>Signed in</title><h1>You can close this window</h1></html>');
  }));
  const redirectUri = `http://127.0.0.1:${port(callbackServer)}/callback`;

  // The issuer needs the port: listen first, attach the handlers after.
  const server = await listen(createServer());
  const origin = `http://127.0.0.1:${port(server)}`;
  const config = resolveConfig({ publicUrl: origin, authority: { stateDir: '/nonexistent-gatehouse-state', ...options.authority, routePrefix: ROUTE_PREFIX } });
  const resource = `${origin}${config.path}`;
  const accounts = options.wrapAccounts ? options.wrapAccounts(createLocalAccounts(config)) : createLocalAccounts(config);
  const interactions = interactionsConfiguration(config);

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'pages-test', alg: 'RS256', use: 'sig' } as JWK;
  const provider = new Provider(origin, {
    ...interactions,
    ...identityConfiguration(accounts),
    jwks: { keys: [jwk] },
    cookies: { keys: ['pages-test-cookie-key'] },
    routes: { authorization: `${ROUTE_PREFIX}/authorize`, token: `${ROUTE_PREFIX}/token`, jwks: `${ROUTE_PREFIX}/jwks` },
    scopes: ['openid', 'offline_access', 'mcp:tools'],
    pkce: { required: () => true },
    clients: [
      {
        client_id: PAGES_TEST_CLIENT_ID,
        ...(options.clientName === undefined ? {} : { client_name: options.clientName }),
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      ...(options.clients ?? []),
    ],
    features: {
      ...interactions.features,
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: function describeResource(_ctx, indicator) {
          if (indicator !== resource) throw new errors.InvalidTarget();
          return { audience: resource, scope: 'mcp:tools', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
  });

  const handlerErrors: unknown[] = [];
  const handleInteraction = createInteractionHandler(provider, accounts, config, {
    onError: (err) => handlerErrors.push(err),
    ...(options.throttle ? { throttle: options.throttle } : {}),
  });
  const callback = provider.callback();
  function route(req: IncomingMessage, res: ServerResponse) {
    handleInteraction(req, res).then((handled) => {
      if (!handled) void callback(req, res);
    }, (err: unknown) => {
      handlerErrors.push(err);
      res.destroy();
    });
  }
  if (options.expressParsesForms) {
    const app = express();
    app.use(`${ROUTE_PREFIX}/interaction`, express.urlencoded({ extended: false }));
    app.use(route);
    server.on('request', app);
  } else {
    server.on('request', route);
  }

  return {
    origin,
    config,
    provider,
    accounts,
    resource,
    clientId: PAGES_TEST_CLIENT_ID,
    redirectUri,
    callbacks,
    handlerErrors,
    authorize(request = {}) {
      const codeVerifier = randomBytes(32).toString('base64url');
      const state = randomBytes(8).toString('hex');
      const url = new URL(`${origin}${ROUTE_PREFIX}/authorize`);
      url.search = new URLSearchParams({
        client_id: request.clientId ?? PAGES_TEST_CLIENT_ID,
        redirect_uri: request.redirectUri ?? redirectUri,
        response_type: 'code',
        scope: request.scope ?? 'openid mcp:tools',
        resource,
        state,
        code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
        code_challenge_method: 'S256',
        ...request.extra,
      }).toString();
      return { url, state, codeVerifier };
    },
    async redeem(code, codeVerifier, request = {}) {
      const response = await fetch(`${origin}${ROUTE_PREFIX}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          code_verifier: codeVerifier,
          client_id: request.clientId ?? PAGES_TEST_CLIENT_ID,
          redirect_uri: request.redirectUri ?? redirectUri,
          resource,
        }),
      });
      const body = (await response.json()) as Record<string, unknown>;
      if (!response.ok) throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
      return body;
    },
    async close() {
      await Promise.all([stop(server), stop(callbackServer)]);
    },
  };
}

function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}

/**
 * The test authority for one `describe` block: started before its tests,
 * closed after them, and failing the block if a page handler threw (a test
 * that only reads status codes would not see that).
 *
 * @example
 * ```ts
 * const as = usePagesAuthority({ clientName: 'Notes app' });
 * it('opens', async () => void (await openSignIn(as())));
 * ```
 */
export function usePagesAuthority(options: PagesAuthorityOptions): () => PagesAuthority {
  let as: PagesAuthority | undefined;
  beforeAll(async () => {
    as = await startPagesAuthority(options);
  });
  afterAll(async () => {
    expect(as?.handlerErrors).toEqual([]);
    await as?.close();
  });
  return () => as!;
}
