/**
 * An HTTP MCP server built with the official SDK that records what reaches
 * it, for the proxy's tests: every request's headers, whether the client's
 * token leaked, and whether an aborted request was really aborted. Its
 * `behavior` switches it into the failures a proxy must handle.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

export type UpstreamBehavior = 'mcp' | 'unauthorized' | 'no-answer' | 'endless-stream' | 'sets-cookies' | 'big-answer';

/** The size of the `big-answer` body: far more than the sockets between upstream, proxy and client hold. */
export const BIG_ANSWER_BYTES = 32 * 1024 * 1024;

/** What `sets-cookies` answers with: cookies named like the authority's, among one of its own. */
export const UPSTREAM_COOKIES = ['gatehouse.session=planted; Path=/; HttpOnly', '__Host-GateHouse.session=planted; Secure; Path=/', 'upstream-pref=1; Path=/'];

export interface RecordingUpstream {
  url: string;
  /** Headers of every request, oldest first. */
  requests: { method: string; headers: IncomingHttpHeaders }[];
  behavior: UpstreamBehavior;
  /** How many `endless-stream` responses were closed from the other side. */
  closedStreams: number;
  close(): Promise<void>;
}

function headersTool(server: McpServer): void {
  server.registerTool('seen-headers', { description: 'The x-gatehouse-* and authorization headers of this request' }, async (extra) => {
    const headers = extra.requestInfo?.headers ?? {};
    const seen = Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('x-gatehouse-') || name === 'authorization' || name === 'cookie'));
    return { content: [{ type: 'text', text: JSON.stringify(seen) }] };
  });
}

/**
 * Starts the upstream on 127.0.0.1, a free port, MCP endpoint `/mcp`.
 *
 * @example
 * ```ts
 * const upstream = await startRecordingUpstream();
 * upstream.behavior = 'unauthorized';
 * ```
 */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const state: RecordingUpstream = {
    url: '',
    requests: [],
    behavior: 'mcp',
    closedStreams: 0,
    close: async () => {},
  };

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : undefined;
  }

  async function serveMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const id = req.headers['mcp-session-id'];
    const existing = typeof id === 'string' ? transports.get(id) : undefined;
    if (existing) return existing.handleRequest(req, res, body);
    if (typeof id === 'string' || !isInitializeRequest(body)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => void transports.set(sessionId, transport),
      onsessionclosed: (sessionId) => void transports.delete(sessionId),
    });
    const server = new McpServer({ name: 'recording-upstream', version: '1.0.0' });
    headersTool(server);
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  const server: Server = createServer(function upstream(req, res) {
    state.requests.push({ method: req.method ?? 'GET', headers: req.headers });
    switch (state.behavior) {
      case 'unauthorized':
        res.writeHead(401, { 'www-authenticate': 'Bearer resource_metadata="http://127.0.0.1/elsewhere"', 'content-type': 'application/json' });
        return void res.end('{"error":"unauthorized"}');
      case 'sets-cookies':
        // Header names that are also Object.prototype's keys, and one sent twice: relayed as sent.
        res.writeHead(200, [['content-type', 'application/json'], ...UPSTREAM_COOKIES.map((c) => ['set-cookie', c]), ['constructor', 'kept'], ['x-twice', 'a'], ['x-twice', 'b']].flat());
        return void res.end('{"jsonrpc":"2.0","id":1,"result":{}}');
      case 'big-answer':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG_ANSWER_BYTES });
        return void res.end(Buffer.alloc(BIG_ANSWER_BYTES, 'x'));
      case 'no-answer':
        return; // neither headers nor body: the proxy's timeout must answer
      case 'endless-stream':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"first"}}\n\n');
        res.once('close', () => void (state.closedStreams += 1));
        return;
      default:
        serveMcp(req, res).catch(() => {
          if (!res.headersSent) res.writeHead(500).end();
        });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  state.close = () =>
    new Promise((resolve) => {
      for (const transport of transports.values()) void transport.close();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}
