/**
 * The parts of the purpose-built server that the conformance checks reach:
 * bearer verification (one good token), the 2026-07-28 request rules, the
 * registration rules and an authorization endpoint. Each honours the
 * defects that break it, and nothing else.
 */
import type { IncomingMessage } from 'node:http';
import type { Defect } from './broken-servers.js';

/** The one token the server accepts. */
export const GOOD_TOKEN = 'doctor-test-token';

export type Answer = { status: number; body: unknown; headers?: Record<string, string> };

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

function isUnsigned(token: string): boolean {
  try {
    return JWT_SHAPE.test(token) && (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { alg?: string }).alg === 'none';
  } catch {
    return false;
  }
}

/** How the MCP endpoint judges credentials: undefined when the request may go on, else the answer. */
export function authenticate(req: IncomingMessage, url: URL, defect: Defect, challenge: string): Answer | undefined {
  const lines = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i]!.toLowerCase() === 'authorization');
  const query = url.searchParams.get('access_token');
  if (query !== null) {
    if (defect === 'query-token-accepted' && query === GOOD_TOKEN && lines.length === 0) return undefined;
    return { status: 400, body: { error: 'invalid_request' }, headers: { 'www-authenticate': `${challenge}, error="invalid_request"` } };
  }
  if (lines.length > 1) return { status: 400, body: { error: 'invalid_request' }, headers: { 'www-authenticate': `${challenge}, error="invalid_request"` } };
  const header = req.headers.authorization;
  if (!header) return defect === 'status-500' ? { status: 500, body: { error: 'Internal Server Error' } } : { status: 401, body: { error: 'unauthorized' }, headers: { 'www-authenticate': challenge } };
  const token = /^Bearer ([\w.~+/-]+=*)$/.exec(header)?.[1];
  if (token === GOOD_TOKEN) return undefined;
  if (token && isUnsigned(token) && defect === 'accepts-unsigned') return undefined;
  // The SDK's requireBearerAuth with a verifier that throws a plain Error: a 500 (the challenge kept, so that only the status is wrong).
  if (defect === 'verifier-500' && token && !JWT_SHAPE.test(token)) return { status: 500, body: { error: 'server_error' }, headers: { 'www-authenticate': `${challenge}, error="invalid_token"` } };
  return { status: 401, body: { error: 'invalid_token' }, headers: { 'www-authenticate': `${challenge}, error="invalid_token"` } };
}

const rpcError = (status: number, id: unknown, code: number, message: string, data?: unknown): Answer => ({ status, body: { jsonrpc: '2.0', id: id ?? null, error: { code, message, ...(data ? { data } : {}) } } });

function decodeName(value: string | undefined): string | undefined {
  const encoded = value && /^=\?base64\?(.*)\?=$/.exec(value)?.[1];
  return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : value;
}

/** A JSON-RPC request past authentication: 2026-07-28 when its `_meta` says so, else 2025 (initialize and friends). */
export function answerRpc(req: IncomingMessage, body: Record<string, unknown>, defect: Defect): Answer {
  const params = (body.params ?? {}) as Record<string, unknown>;
  const meta = (params._meta ?? {}) as Record<string, unknown>;
  const version = meta['io.modelcontextprotocol/protocolVersion'];
  if (typeof version !== 'string') {
    if (body.method === 'initialize') return { status: 200, body: { jsonrpc: '2.0', id: body.id, result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 'broken', version: '1' } } } };
    return rpcError(400, body.id, -32600, 'not a 2026-07-28 request and no session');
  }
  const header = (name: string) => req.headers[name] as string | undefined;
  const method = String(body.method);
  const named = ['tools/call', 'resources/read', 'prompts/get'].includes(method);
  const nameInBody = String(params.name ?? params.uri ?? '');
  if (!header('mcp-method') || !header('mcp-protocol-version') || (named && header('mcp-name') === undefined)) return rpcError(400, body.id, -32020, 'a standard header is missing');
  if (header('mcp-method') !== method && defect !== 'no-method-check') return rpcError(400, body.id, -32020, 'Mcp-Method does not match the body');
  if (named && decodeName(header('mcp-name')) !== nameInBody) return rpcError(400, body.id, -32020, 'Mcp-Name does not match the body');
  if (header('mcp-protocol-version') !== version) return rpcError(400, body.id, -32020, 'MCP-Protocol-Version does not match _meta');
  if (version !== '2026-07-28') return rpcError(400, body.id, -32022, 'unsupported protocol version', { supported: ['2026-07-28'], requested: version });
  if (method === 'server/discover') return { status: 200, body: { jsonrpc: '2.0', id: body.id, result: { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'broken', version: '1' } } } } };
  if (method === 'tools/list') return { status: 200, body: { jsonrpc: '2.0', id: body.id, result: { tools: [] } } };
  if (method === 'tools/call') return { status: 200, body: { jsonrpc: '2.0', id: body.id, result: { isError: true, content: [{ type: 'text', text: `no tool ${nameInBody}` }] } } };
  return rpcError(404, body.id, -32601, `Method not found: ${method}`);
}

/** Registered clients: id → redirect URIs. */
export type Clients = Map<string, string[]>;

const isLoopback = (u: URL) => ['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname);

/** The redirect URIs the server must refuse at registration, or undefined when all are fine. */
export function refusedRedirect(uris: string[], defect: Defect): string | undefined {
  return uris.find((uri) => {
    if (!URL.canParse(uri)) return true;
    const u = new URL(uri);
    if (uri.includes('#')) return true;
    return u.protocol === 'http:' && !isLoopback(u) && defect !== 'accepts-http-redirect';
  });
}

function matches(registered: string, asked: string, defect: Defect): boolean {
  if (registered === asked) return true;
  if (!URL.canParse(registered) || !URL.canParse(asked) || defect === 'fixed-loopback-port') return false;
  const [r, a] = [new URL(registered), new URL(asked)];
  return isLoopback(r) && r.protocol === 'http:' && r.hostname === a.hostname && r.pathname === a.pathname && r.search === a.search;
}

/** GET /authorize: the first answer, as an authorization server that checks redirect URIs exactly (loopback: any port) and requires PKCE. */
export function authorize(url: URL, clients: Clients, issuer: string, defect: Defect): Answer {
  const clientId = url.searchParams.get('client_id') ?? '';
  const redirectUri = url.searchParams.get('redirect_uri') ?? '';
  const registered = clients.get(clientId);
  const ok = registered?.some((r) => matches(r, redirectUri, defect)) || defect === 'open-redirect';
  if (!registered || !ok) return { status: 400, body: { error: 'invalid_request', error_description: 'unknown client or redirect_uri' } };
  if (!url.searchParams.get('code_challenge')) {
    const back = new URL(redirectUri);
    back.searchParams.set('error', 'invalid_request');
    back.searchParams.set('state', url.searchParams.get('state') ?? '');
    back.searchParams.set('iss', issuer);
    return { status: 302, body: {}, headers: { location: back.href } };
  }
  return { status: 302, body: {}, headers: { location: '/login' } };
}
