/**
 * What the proxy's end-to-end tests share: `gatehouse proxy` started in
 * process (authority mode, memory store, a temp state dir), users signed in
 * with the official SDK client through the authority's pages, and
 * server-everything, the MCP project's reference server, as the upstream.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, type ClientCapabilities, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { expect, vi } from 'vitest';
import { mergeConfig } from '../../src/config/merge.js';
import { createLogger } from '../../src/log/logger.js';
import type { ConfigLayer } from '../../src/config/schema.js';
import { startProxy, type RunningProxy } from '../../src/proxy/server.js';
import { resolveProxySettings, type ProxySettingsInput } from '../../src/config/sections/proxy.js';
import { tempStateDir } from '../e2e/authority-harness.js';
import { authorizationCodeFrom, headlessLogin } from '../helpers/headless-login.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';

export const EVERYTHING = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));

/** A running proxy, the messages it logged, and a way to stop it and delete its state. */
export interface TestProxy extends RunningProxy {
  logs: string[];
  stop(): Promise<void>;
}

/**
 * Starts the proxy on localhost (127.0.0.1 and ::1) with a free port, in
 * authority mode unless `layers` name an issuer.
 */
export async function startTestProxy(
  settings: ProxySettingsInput,
  options: { layers?: ConfigLayer; env?: NodeJS.ProcessEnv; shutdownTimeoutMs?: number } = {},
): Promise<TestProxy> {
  const state = tempStateDir();
  const logs: string[] = [];
  const layers = mergeConfig({ authority: { stateDir: state.path, store: 'memory' } }, options.layers ?? {});
  const proxy = await startProxy({
    layers,
    settings: resolveProxySettings(settings),
    host: 'localhost',
    port: 0,
    env: options.env ?? {},
    // JSON lines, one message each: tests read `msg`.
    logger: createLogger({ level: 'debug', write: (line) => void logs.push((JSON.parse(line) as { msg: string }).msg) }),
    warn: (line) => void logs.push(line),
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 0,
  });
  return Object.assign(proxy, {
    logs,
    async stop() {
      await proxy.close();
      state.remove();
    },
  });
}

/** A user signed in through the proxy's authority with the SDK client. */
export interface SignedIn {
  client: Client;
  provider: InMemoryOAuthProvider;
  /** The access token the client holds (for raw requests). */
  token: string;
}

/**
 * Signs `login` in (dev sign-in: any username, no password) with the SDK
 * client: a first connect that gets 401 and the authorization URL, the
 * scripted user on the authority's pages, the code exchanged, then the
 * connect that reaches the MCP server, by a client declaring `capabilities`.
 */
export async function signIn(mcpUrl: string, login: string, capabilities: ClientCapabilities = {}): Promise<SignedIn> {
  const provider = new InMemoryOAuthProvider();
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const failure = await new Client({ name: 'gatehouse-proxy-e2e', version: '1.0.0' }).connect(first).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(failure instanceof UnauthorizedError)) throw new Error(`expected the first connect to need authorization, got ${String(failure)}`);
  const callback = await headlessLogin(provider.lastAuthorizationUrl, { login, password: '' });
  await first.finishAuth(authorizationCodeFrom(callback));
  const client = new Client({ name: 'gatehouse-proxy-e2e', version: '1.0.0' }, { capabilities });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  const token = provider.tokens()?.access_token;
  if (!token) throw new Error('signed in without an access token');
  return { client, provider, token };
}

/** A port nobody listens on: bound, then released. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** server-everything in its Streamable HTTP mode, as its own process. */
export interface EverythingHttp {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `server-everything streamableHttp` on a free port and waits until it listens. */
export async function startEverythingHttp(): Promise<EverythingHttp> {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('listening on port')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server-everything exited (${code}) before listening:\n${stderr}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    process: child,
    stop() {
      if (child.exitCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    },
  };
}

/** The text of a tool result's first content item. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content[0]?.text ?? '';
}

/**
 * Runs server-everything's long-running tool (3 steps) and collects the
 * progress notifications that came with its result (an SSE response).
 */
export async function runLongOperation(client: Client): Promise<{ text: string; progress: number[] }> {
  const progress: number[] = [];
  const result = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } }, undefined, {
    onprogress: (p) => void progress.push(p.progress),
  });
  return { text: textOf(result), progress };
}

/**
 * Turns server-everything's simulated logging on, waits for its first log
 * message (sent on the GET stream, unasked), then turns it off again.
 */
export async function receiveSimulatedLogs(client: Client): Promise<{ toggled: string; messages: LoggingMessageNotification['params'][] }> {
  const messages: LoggingMessageNotification['params'][] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(n.params));
  const toggled = textOf(await client.callTool({ name: 'toggle-simulated-logging', arguments: {} }));
  await vi.waitFor(() => expect(messages.length).toBeGreaterThan(0), { timeout: 15_000, interval: 100 });
  await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
  return { toggled, messages };
}

/** The headers and JSON-RPC body a raw MCP POST needs. */
export function mcpPost(token: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** An `initialize` POST: the status, the session id it opened, and the body once the response ends. */
async function initializeSession(mcpUrl: string, token: string): Promise<{ status: number; sessionId: string | null; retryAfter: string | null; body: string }> {
  const res = await fetch(mcpUrl, mcpPost(token, INITIALIZE));
  return { status: res.status, sessionId: res.headers.get('mcp-session-id'), retryAfter: res.headers.get('retry-after'), body: await res.text() };
}

/** Who {@link expectSessionCap} opens sessions as. */
export interface SessionCapUsers {
  /** The MCP endpoint. */
  mcpUrl: string;
  /** The cap per user the server was started with. */
  cap: number;
  /** The user who fills the cap, and how many sessions they hold already (a signed-in SDK client holds one). */
  alice: { token: string; held: number };
  /** Another user, who must not be affected. */
  bob: string;
}

/**
 * The checks of finding 11 (issue 8): one user opens sessions up to the cap
 * and the next `initialize` gets 429, a JSON-RPC error and `Retry-After`;
 * another user still opens one; ending one of the first user's sessions
 * (DELETE) gives them a place back.
 */
export async function expectSessionCap({ mcpUrl, cap, alice, bob }: SessionCapUsers): Promise<void> {
  const opened: string[] = [];
  for (let i = alice.held; i < cap; i++) {
    const res = await initializeSession(mcpUrl, alice.token);
    expect([res.status, typeof res.sessionId]).toEqual([200, 'string']);
    opened.push(res.sessionId!);
  }
  const refused = await initializeSession(mcpUrl, alice.token);
  expect([refused.status, refused.sessionId]).toEqual([429, null]);
  expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(JSON.parse(refused.body)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000, message: expect.stringContaining(`Too many open MCP sessions for this user (${cap})`) } });

  const other = await initializeSession(mcpUrl, bob);
  expect([other.status, typeof other.sessionId]).toEqual([200, 'string']);

  const ended = await fetch(mcpUrl, { method: 'DELETE', headers: { authorization: `Bearer ${alice.token}`, 'mcp-session-id': opened[0]!, 'mcp-protocol-version': '2025-06-18' } });
  expect(ended.status).toBeLessThan(300);
  const again = await initializeSession(mcpUrl, alice.token);
  expect([again.status, typeof again.sessionId]).toEqual([200, 'string']);
}
