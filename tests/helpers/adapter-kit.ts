/**
 * What the adapter tests (node, express, hono, MCP SDK glue) share: a server
 * on a free loopback port, a JSON-RPC `tools/call` sent with or without a
 * token, and the SDK client calling a `whoami` tool. The assertions every
 * adapter shares are in `adapter-contract.ts`; only the plumbing lives here.
 */
import type { RequestListener, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Client as ClientV2, StreamableHTTPClientTransport as StreamableHTTPClientTransportV2 } from '@modelcontextprotocol/client';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { authInfoOf, subjectOf } from '../../src/adapters/mcp/index.js';
import { expect, it } from 'vitest';
import { rawRequest, startUpload, type RawResponse } from './raw-http.js';

/** A running test server. */
export interface LoopbackListener {
  server: Server;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves `listener` (a plain handler, an Express app) on 127.0.0.1 and a free port.
 *
 * @example
 * ```ts
 * const { origin, close } = await listenOnLoopback(app);
 * ```
 */
export async function listenOnLoopback(listener: RequestListener): Promise<LoopbackListener> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}

/**
 * Closes a server, cutting keep-alive connections so the promise settles.
 *
 * @example
 * ```ts
 * afterAll(() => closeServer(server));
 * ```
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * The JSON-RPC body of a `tools/call` with no arguments.
 *
 * @example
 * ```ts
 * toolCall('whoami'); // '{"jsonrpc":"2.0","id":1,"method":"tools/call",...}'
 * ```
 */
export function toolCall(name: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });
}

/**
 * POSTs a `tools/call` for `tool` to `url` as JSON, with `Authorization: Bearer <token>` when a token is given.
 *
 * @example
 * ```ts
 * const res = await postToolCall(`${origin}/mcp`, 'admin_report', await issuer.mint());
 * res.status; // 403
 * ```
 */
export function postToolCall(url: string, tool: string, token?: string): Promise<RawResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return rawRequest(url, { method: 'POST', headers, body: toolCall(tool) });
}

/**
 * An MCP server with one tool, `whoami`, answering the caller's subject.
 *
 * @example
 * ```ts
 * const mcp = createMcpHandler(() => whoamiServer('hono-test'));
 * ```
 */
export function whoamiServer(name: string): McpServer {
  const server = new McpServer({ name, version: '1.0.0' });
  server.registerTool('whoami', { description: 'the caller' }, async function whoami(extra) {
    return { content: [{ type: 'text', text: subjectOf(authInfoOf(extra)) ?? '' }] };
  });
  return server;
}

/**
 * Connects the official SDK client to `mcpUrl` with a bearer token, calls `whoami` and returns its content.
 *
 * @example
 * ```ts
 * expect(await whoamiViaSdk(`${origin}/mcp`, token)).toEqual([{ type: 'text', text: 'alice' }]);
 * ```
 */
export async function whoamiViaSdk(mcpUrl: string, token: string): Promise<unknown> {
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  const client = new Client({ name: 'adapter-test-client', version: '1.0.0' });
  await client.connect(transport);
  try {
    return (await client.callTool({ name: 'whoami', arguments: {} })).content;
  } finally {
    await client.close();
  }
}

/**
 * The SDK v2 twin of {@link whoamiServer}: `whoami` reads the caller from v2's `ctx.http.authInfo`.
 *
 * @example
 * ```ts
 * const mcp = createMcpHandler(() => whoamiServerV2('hono-test'));
 * ```
 */
export function whoamiServerV2(name: string): McpServerV2 {
  const server = new McpServerV2({ name, version: '1.0.0' });
  server.registerTool('whoami', { description: 'the caller' }, async function whoami(ctx) {
    return { content: [{ type: 'text', text: subjectOf(authInfoOf(ctx)) ?? '' }] };
  });
  return server;
}

/** How the SDK v2 client picks the protocol revision: `legacy` (its default) never probes `server/discover`. */
export type V2Negotiation = 'auto' | 'legacy' | { pin: string };

/**
 * Connects the SDK v2 client to `mcpUrl` with a bearer token and the given
 * version negotiation, calls `whoami`, and returns its content and the
 * protocol revision the client settled on.
 *
 * @example
 * ```ts
 * const { content, version } = await whoamiViaSdkV2(`${origin}/mcp`, token, { pin: '2026-07-28' });
 * ```
 */
export async function whoamiViaSdkV2(mcpUrl: string, token: string, mode: V2Negotiation): Promise<{ content: unknown; version: string | undefined }> {
  const transport = new StreamableHTTPClientTransportV2(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  const client = new ClientV2({ name: 'adapter-test-client-v2', version: '1.0.0' }, { versionNegotiation: { mode } });
  await client.connect(transport);
  try {
    const { content } = await client.callTool({ name: 'whoami', arguments: {} });
    return { content, version: client.getNegotiatedProtocolVersion() };
  } finally {
    await client.close();
  }
}

/** What {@link itReadsTheBodyOnlyAfterTheToken} needs from the adapter test that calls it. */
export interface BodyOrderTarget {
  /** The MCP endpoint on loopback. */
  url(): string;
  /** A token the gate accepts. */
  mint(): Promise<string>;
  /** The adapter's body cap (`maxBodyBytes`), below the 8 MiB the streaming uploads send. */
  maxBodyBytes: number;
}

/** The same token with its signature's first character changed: well-formed, and forged. */
function forged(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  return `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
}

/**
 * The checks of finding 5 (issue 8) every adapter must pass: the MCP
 * endpoint answers a request without a valid token before it reads the
 * body, so a flood of huge token-less bodies costs no memory; a body that
 * passes is read within the cap. "Before" is event order, not a measured
 * time: the streaming clients stop short of the end of their body and wait,
 * so a server that reads the whole body first never answers (the test then
 * fails on its timeout), whatever the machine's load.
 */
export function itReadsTheBodyOnlyAfterTheToken(target: BodyOrderTarget): void {
  it('answers a token-less POST declaring 64 MiB with 401 while the client has sent 1 KiB of it', async () => {
    const upload = startUpload(target.url(), { mode: 'hold', declaredLength: 64 * 1024 * 1024 });
    try {
      const res = await upload.response;
      expect([res.status, upload.sent]).toEqual([401, 1024]);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer resource_metadata=/);
    } finally {
      upload.close();
    }
  });

  it('answers a token-less chunked POST with 401 before the client has finished streaming it', async () => {
    const upload = startUpload(target.url(), { mode: 'stream', holdAfterBytes: 1024 * 1024 });
    try {
      const res = await upload.response;
      expect([res.status, upload.finishedBeforeAnswer]).toEqual([401, false]);
    } finally {
      upload.close();
    }
  });

  it('answers a forged token with 401 invalid_token before the client has finished streaming its body', async () => {
    const upload = startUpload(target.url(), { mode: 'stream', holdAfterBytes: 1024 * 1024, headers: { authorization: `Bearer ${forged(await target.mint())}` } });
    try {
      const res = await upload.response;
      expect([res.status, upload.finishedBeforeAnswer]).toEqual([401, false]);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    } finally {
      upload.close();
    }
  });

  it('answers a valid token with an over-cap chunked body 413 once past the cap, before the client has finished', async () => {
    const upload = startUpload(target.url(), {
      mode: 'stream',
      holdAfterBytes: target.maxBodyBytes + 256 * 1024,
      headers: { authorization: `Bearer ${await target.mint()}` },
    });
    try {
      const res = await upload.response;
      expect([res.status, upload.finishedBeforeAnswer]).toEqual([413, false]);
      expect(upload.sent).toBeGreaterThan(target.maxBodyBytes);
      // The adapters answer in JSON-RPC, gate.fetch in OAuth's shape (error_description): both say why.
      expect(res.body).toContain('larger than');
    } finally {
      upload.close();
    }
  });
}
