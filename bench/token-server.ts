/**
 * The token-endpoint benchmark's servers (bench/token-endpoint.ts), each a
 * child process of its own, the first argument naming which:
 *
 * - `gatehouse`: Gatehouse's embedded authority as `gatehouse demo` runs it
 *   (`startAuthorityDemo`: `serve()` with its request log, health routes
 *   and request context, audit events, the `/token` rate limit, the gate in
 *   front of `/mcp`), on the memory store, its generated RS256 key;
 * - `bare`: `oidc-provider` (the same package) alone on `node:http`, its
 *   own memory adapter (its store sized to hold every minted token), an RS256 key, configured as Gatehouse configures
 *   it for what a token request touches: RFC 8707 resource indicators with
 *   one audience (`<origin>/mcp`), JWT access tokens, rotated refresh tokens,
 *   the same lifetimes, the token endpoint at `/oauth/token`.
 *
 * Both know the same two clients: {@link TOKEN_ROBOT} (client_credentials,
 * HTTP Basic) and {@link TOKEN_APP} (a public client with refresh tokens, as
 * MCP clients are). `mint` answers with refresh tokens made by the
 * provider's own models, one user and one grant each (what a sign-in and
 * consent leave behind), the same code for both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type ClientMetadata } from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';
import { mcpResourceUri } from '../src/authority/provider/resource-indicators.js';
import { startAuthorityDemo } from '../src/cli/demo-authority.js';
import { createLogger } from '../src/log/logger.js';
import { listenOnLoopback, serveParent } from './server-commands.js';

/** The scope both clients' tokens carry. */
export const TOKEN_SCOPE = 'mcp:tools';

/** The machine client of the client_credentials runs (HTTP Basic). */
export const TOKEN_ROBOT = {
  client_id: 'bench-token-robot',
  client_secret: 'bench-token-robot-secret-for-the-benchmark-only-0123',
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  scope: TOKEN_SCOPE,
};

/** The public client whose refresh tokens the refresh runs redeem. */
export const TOKEN_APP = {
  client_id: 'bench-token-app',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: ['http://127.0.0.1:33418/callback'],
  response_types: ['code'],
};

/** Gatehouse's defaults (config/sections/authority.ts), given to the bare provider too. */
const ACCESS_TOKEN_TTL_SEC = 3600;
const REFRESH_TOKEN_TTL_SEC = 14 * 86_400;

interface TokenServer {
  url: string;
  close(): Promise<void>;
  mint(count: number): Promise<string[]>;
}

let nextUser = 0;

/**
 * Refresh tokens as an authorization-code redemption leaves them: each for
 * its own user and grant (the resource and scope consented to), a chain of
 * its own (`iiat`), not bound to the sign-in session.
 */
async function mintRefreshTokens(provider: Provider, resource: string, count: number): Promise<string[]> {
  const client = await provider.Client.find(TOKEN_APP.client_id);
  if (!client) throw new Error(`the provider does not know ${TOKEN_APP.client_id}`);
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const accountId = `bench-user-${nextUser++}`;
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addResourceScope(resource, TOKEN_SCOPE);
    const grantId = await grant.save();
    const token = new provider.RefreshToken({ accountId, client, grantId, gty: 'authorization_code', iiat: now, authTime: now, resource, scope: TOKEN_SCOPE, expiresWithSession: false });
    tokens.push(await token.save());
  }
  return tokens;
}

async function startGatehouse(): Promise<TokenServer> {
  const stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-token-'));
  const quiet = { out: () => {}, err: () => {} };
  const demo = await startAuthorityDemo(
    {
      authority: {
        stateDir,
        store: 'memory',
        clients: [TOKEN_ROBOT, TOKEN_APP],
        // All the load comes from one client and one address: the limit's bookkeeping runs on every request, its ceiling is out of the way.
        tokenRateLimit: { burst: 1_000_000, refillSec: 0.001 },
      },
    },
    '127.0.0.1',
    0,
    quiet,
    // The CLI's logger (JSON lines at info: request log and audit records), its lines dropped rather than written.
    { logger: createLogger({ level: 'info', format: 'json', write: () => {} }) },
  );
  const { provider } = demo.authority;
  const resource = mcpResourceUri(demo.authority.config);
  return {
    url: `http://127.0.0.1:${demo.listening.port}`,
    mint: (count) => mintRefreshTokens(provider, resource, count),
    async close() {
      await demo.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

async function startBare(): Promise<TokenServer> {
  const server = createServer();
  const listening = await listenOnLoopback(server);
  const issuer = listening.url;
  const resource = `${issuer}/mcp`;
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'bench-bare' };
  // oidc-provider's own memory adapter; its default store keeps only the last 1,000 records, fewer than one run's minted refresh tokens.
  const storage = new LRU({ maxSize: 10_000_000 });
  const provider = new Provider(issuer, {
    adapter: (model: string) => new MemoryAdapter(model, storage),
    scopes: ['openid', TOKEN_SCOPE],
    clients: [TOKEN_ROBOT, TOKEN_APP] as ClientMetadata[],
    jwks: { keys: [jwk] },
    routes: { token: '/oauth/token' },
    ttl: { AccessToken: ACCESS_TOKEN_TTL_SEC, ClientCredentials: ACCESS_TOKEN_TTL_SEC, RefreshToken: REFRESH_TOKEN_TTL_SEC, Grant: 365 * 86_400 },
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: async () => ({ audience: resource, scope: TOKEN_SCOPE, accessTokenTTL: ACCESS_TOKEN_TTL_SEC, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
  });
  server.on('request', provider.callback());
  return { url: issuer, mint: (count) => mintRefreshTokens(provider, resource, count), close: () => listening.close() };
}

async function main(): Promise<void> {
  const role = process.argv[2];
  if (!process.send || (role !== 'gatehouse' && role !== 'bare')) throw new Error('bench/token-server.ts is started by bench/token-endpoint.ts (role gatehouse or bare)');
  serveParent(role === 'gatehouse' ? await startGatehouse() : await startBare());
}

// Imported by bench/token-endpoint.ts for the clients: only a forked child runs.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
