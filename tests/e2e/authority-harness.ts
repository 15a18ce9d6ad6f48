/**
 * What the authority's end-to-end tests share: the demo started in process
 * exactly as `gatehouse demo` starts it (state in a temp directory), a local
 * certificate authority for HTTPS client metadata documents, and the
 * official SDK client signing in through the authority's own pages.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchHook } from '../../src/authority/registration/index.js';
import { startAuthorityDemo, type AuthorityDemo, type AuthorityDemoOptions } from '../../src/cli/demo-authority.js';
import { DEMO_DEFAULTS } from '../../src/cli/demo.js';
import { mergeConfig } from '../../src/config/merge.js';
import type { ConfigLayer } from '../../src/config/schema.js';
import { authorizationCodeFrom, headlessLogin, type HeadlessLoginOptions } from '../helpers/headless-login.js';
import type { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { makeTestCertificate, trustingAgent } from '../helpers/test-certificate.js';

/** A temp state directory; `remove()` deletes it. */
export function tempStateDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'gatehouse-authority-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Lines the demo printed, for assertions on warnings and the ready message. */
export interface DemoOutput {
  out: string[];
  err: string[];
}

/**
 * Starts the authority demo on localhost (127.0.0.1 and ::1) as `gatehouse
 * demo` does. Pass the previous `port` to restart "the same server".
 */
export async function startDemo(
  stateDir: string,
  options: { port?: number; layers?: ConfigLayer; fetch?: FetchHook; onAudit?: AuthorityDemoOptions['onAudit'] } = {},
): Promise<AuthorityDemo & { output: DemoOutput; origin: string }> {
  const output: DemoOutput = { out: [], err: [] };
  const layers = mergeConfig(DEMO_DEFAULTS, options.layers ?? {}, { authority: { stateDir } });
  const io = { out: (text: string) => void output.out.push(text), err: (text: string) => void output.err.push(text) };
  const demo = await startAuthorityDemo(layers, 'localhost', options.port ?? 0, io, { fetch: options.fetch, onAudit: options.onAudit });
  return Object.assign(demo, { output, origin: demo.authority.config.issuer });
}

/** An HTTPS server on 127.0.0.1 with a certificate made for the test, and a fetch that trusts only it. */
export interface LocalHttps {
  origin: string;
  /** For the authority's `fetch` option: trusts the test certificate. */
  fetch: FetchHook;
  /** Serves `body` as JSON at `path`. */
  serveJson(path: string, body: unknown): void;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Starts the HTTPS server that hosts client metadata documents.
 *
 * @example
 * ```ts
 * const https = await startLocalHttps();
 * https.serveJson('/client.json', { client_id: `${https.origin}/client.json`, ... });
 * ```
 */
export async function startLocalHttps(): Promise<LocalHttps> {
  const { cert, key } = makeTestCertificate();

  const documents = new Map<string, string>();
  const requests: string[] = [];
  const server: Server = createHttpsServer({ cert, key }, function serveDocument(req, res) {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push(path);
    const body = documents.get(path);
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
    res.end(body ?? '{"error":"not_found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = trustingAgent(cert);
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fetch: (input, init) => globalThis.fetch(input, { ...init, dispatcher: agent } as RequestInit),
    serveJson: (path, body) => void documents.set(path, JSON.stringify(body)),
    requests,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export function newClient(): Client {
  return new Client({ name: 'gatehouse-authority-e2e', version: '1.0.0' });
}

export function transportFor(mcpUrl: string, provider: InMemoryOAuthProvider): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
}

/**
 * The SDK's first connect (401 → discovery → registration or CIMD →
 * authorization URL), a scripted user signing in on the authority's pages
 * (any password with the development sign-in),
 * the code exchanged, and a second connect. Returns the connected client.
 */
export async function signInWithSdk(mcpUrl: string, provider: InMemoryOAuthProvider, login: string, password = ''): Promise<Client> {
  const first = transportFor(mcpUrl, provider);
  let failure: unknown;
  try {
    await newClient().connect(first);
  } catch (err) {
    failure = err;
  }
  if (!(failure instanceof UnauthorizedError)) throw new Error(`expected the first connect to need authorization, got ${String(failure)}`);
  const callback = await headlessLogin(provider.lastAuthorizationUrl, { login, password });
  await first.finishAuth(authorizationCodeFrom(callback));
  const client = newClient();
  await client.connect(transportFor(mcpUrl, provider));
  return client;
}

/** Calls a tool that answers JSON text and parses it. */
export async function callJson(client: Client, name: string): Promise<Record<string, unknown>> {
  const result = await client.callTool({ name, arguments: {} });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  const [first] = result.content as { type: string; text: string }[];
  return JSON.parse(first?.text ?? 'null') as Record<string, unknown>;
}

/**
 * Registers a public loopback client by DCR, signs `login` in for `scope`
 * with PKCE on the authority's own pages (`onPage` sees them), and redeems
 * the code: the token endpoint's JSON answer.
 */
export async function signInForTokens(
  origin: string,
  options: { login: string; password?: string; scope: string; onPage?: HeadlessLoginOptions['onPage'] },
): Promise<Record<string, unknown>> {
  const redirectUri = 'http://127.0.0.1/callback';
  const registered = await fetch(`${origin}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' }),
  });
  const clientId = ((await registered.json()) as { client_id: string }).client_id;
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${origin}/oauth/authorize`);
  for (const [name, value] of Object.entries({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: options.scope, state: 'st',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  })) url.searchParams.set(name, value);
  const callback = await headlessLogin(url, { login: options.login, password: options.password ?? '', onPage: options.onPage });
  const tokens = await fetch(`${origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: authorizationCodeFrom(callback), redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier }),
  });
  return { client_id: clientId, ...((await tokens.json()) as Record<string, unknown>) };
}
