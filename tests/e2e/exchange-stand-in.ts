/**
 * A token endpoint stand-in on 127.0.0.1 for the exchange client's tests:
 * it records each request (headers and form body) and answers what the
 * test scripts, e.g. what Entra ID documents for its on-behalf-of flow.
 * (Entra ID cannot run here; its request and answer shapes can.)
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

export interface StandInReply {
  status: number;
  body: unknown;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
}

export interface TokenEndpointStandIn {
  origin: string;
  /** `${origin}/token` */
  tokenEndpoint: string;
  requests: RecordedRequest[];
  /** What the token endpoint answers next (every request until changed). */
  reply: (request: RecordedRequest) => StandInReply;
  /** JSON documents served on GET, by path (discovery). */
  documents: Map<string, unknown>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts the stand-in; `tokenPath` is where it answers token requests.
 *
 * @example
 * ```ts
 * const standIn = await startTokenEndpointStandIn();
 * standIn.reply = () => ({ status: 200, body: { access_token: 'x', token_type: 'Bearer', expires_in: 3600 } });
 * ```
 */
export async function startTokenEndpointStandIn(tokenPath = '/token'): Promise<TokenEndpointStandIn> {
  const standIn = {
    requests: [] as RecordedRequest[],
    documents: new Map<string, unknown>(),
    reply: (() => ({ status: 500, body: { error: 'server_error' } })) as TokenEndpointStandIn['reply'],
  };
  const server: Server = createServer(async function answer(req, res) {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && standIn.documents.has(path)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify(standIn.documents.get(path)));
    }
    if (req.method !== 'POST' || path !== tokenPath) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end('{"error":"not_found"}');
    }
    const recorded: RecordedRequest = { method: req.method, path, headers: req.headers, form: new URLSearchParams(await readBody(req)) };
    standIn.requests.push(recorded);
    const { status, body, delayMs } = standIn.reply(recorded);
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', 'cache-control': 'no-store' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(standIn, {
    origin,
    tokenEndpoint: `${origin}${tokenPath}`,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
