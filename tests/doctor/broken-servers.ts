/**
 * Purpose-built MCP servers for the doctor's tests: one correct baseline
 * (MCP endpoint and authorization server on one loopback origin, everything
 * every client profile needs) and, per defect, the same server with exactly
 * that one thing wrong.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerRpc, authenticate, authorize, refusedRedirect, type Answer, type Clients } from './broken-server-parts.js';

export type Defect =
  | 'none'
  | 'status-500'
  | 'no-resource-metadata'
  | 'prm-only-root'
  | 'prm-only-path-inserted'
  | 'prm-resource-mismatch'
  | 'prm-resource-origin'
  | 'no-pkce'
  | 'no-cors'
  | 'no-cors-on-404'
  | 'only-openid-configuration'
  | 'no-openid-configuration'
  | 'no-registration'
  | 'refuses-custom-schemes'
  | 'basic-challenge-first'
  | 'issuer-mismatch'
  | 'path-issuer'
  | 'offline-access-prm'
  | 'resource-parameter-unsupported'
  // conformance: each breaks exactly one MUST of the catalogue
  | 'verifier-500'
  | 'accepts-unsigned'
  | 'query-token-accepted'
  | 'no-authorization-servers'
  | 'pkce-plain-only'
  | 'oidc-no-pkce'
  | 'accepts-http-redirect'
  | 'open-redirect'
  | 'fixed-loopback-port'
  | 'no-method-check'
  // server/discover (the SDK v2 client's first request) not challenged: answered as a 2025-only server would
  | 'discover-unchallenged';

export interface BrokenServer {
  origin: string;
  /** The MCP endpoint: `<origin>/mcp`. */
  url: string;
  /** Every request, as `METHOD /path`. */
  requests: string[];
  close(): Promise<void>;
}

const PRM_ROOT = '/.well-known/oauth-protected-resource';

/** What every registration answer carries, so tests can check the doctor never prints it. */
export const REGISTRATION_SECRETS = { clientSecret: 'cs-doctor-must-not-print-this', registrationAccessToken: 'rat-doctor-must-not-print-this' };

function cors(defect: Defect, status: number): Record<string, string> {
  if (defect === 'no-cors' || (defect === 'no-cors-on-404' && status === 404)) return {};
  return { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'WWW-Authenticate, Mcp-Session-Id' };
}

function send(res: ServerResponse, defect: Defect, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...cors(defect, status), ...headers });
  res.end(JSON.stringify(body));
}

/** The authorization server's identifier: the origin, or under `/oauth` for `path-issuer`. */
function issuerOf(origin: string, defect: Defect): string {
  return defect === 'path-issuer' ? `${origin}/oauth` : origin;
}

function metadata(origin: string, defect: Defect, kind: 'oauth' | 'oidc'): Record<string, unknown> {
  const methods = defect === 'pkce-plain-only' ? ['plain'] : ['S256'];
  return {
    // The RFC 8414 document alone names another issuer: one requirement (rfc8414/issuer-identical) broken, not the OpenID one too.
    issuer: defect === 'issuer-mismatch' && kind === 'oauth' ? `${origin}/another-issuer` : issuerOf(origin, defect),
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    ...(defect === 'no-registration' ? {} : { registration_endpoint: `${origin}/register` }),
    jwks_uri: `${origin}/jwks`,
    scopes_supported: ['mcp'],
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    ...(defect === 'no-pkce' || (defect === 'oidc-no-pkce' && kind === 'oidc') ? {} : { code_challenge_methods_supported: methods }),
    token_endpoint_auth_methods_supported: ['none'],
    ...(defect === 'no-registration' ? {} : { client_id_metadata_document_supported: true }),
    authorization_response_iss_parameter_supported: true,
    ...(defect === 'resource-parameter-unsupported' ? { resource_parameter_supported: false } : {}),
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
}

function prm(origin: string, defect: Defect): Record<string, unknown> {
  const resource = defect === 'prm-resource-mismatch' ? `${origin}/v1/mcp` : defect === 'prm-resource-origin' ? origin : `${origin}/mcp`;
  const scopes = defect === 'offline-access-prm' ? ['mcp', 'offline_access'] : ['mcp'];
  return { resource, ...(defect === 'no-authorization-servers' ? {} : { authorization_servers: [issuerOf(origin, defect)] }), scopes_supported: scopes, bearer_methods_supported: ['header'] };
}

function challenge(origin: string, defect: Defect): string {
  if (defect === 'no-resource-metadata') return 'Bearer scope="mcp"';
  const where = defect === 'prm-only-root' ? PRM_ROOT : `${PRM_ROOT}/mcp`;
  const bearer = `Bearer resource_metadata="${origin}${where}", scope="mcp"`;
  return defect === 'basic-challenge-first' ? `Basic realm="mcp", ${bearer}` : bearer;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function register(res: ServerResponse, defect: Defect, body: Record<string, unknown>, clients: Clients): void {
  const uris = Array.isArray(body.redirect_uris) ? (body.redirect_uris as string[]) : [];
  if (defect === 'refuses-custom-schemes' && uris.some((u) => !/^https?:/.test(u))) {
    return send(res, defect, 400, { error: 'invalid_redirect_uri', error_description: 'only http and https redirect URIs' });
  }
  const refused = refusedRedirect(uris, defect);
  if (refused) return send(res, defect, 400, { error: 'invalid_redirect_uri', error_description: `${refused} is neither https nor loopback, or has a fragment` });
  const clientId = `client-${Math.random().toString(36).slice(2)}`;
  clients.set(clientId, uris);
  // Secrets in the answer, as confidential registrations get them: the doctor must never print them.
  send(res, defect, 201, {
    ...body,
    client_id: clientId,
    client_id_issued_at: Math.floor(Date.now() / 1000),
    client_secret: REGISTRATION_SECRETS.clientSecret,
    registration_access_token: REGISTRATION_SECRETS.registrationAccessToken,
  });
}

/**
 * Starts the baseline server with one defect (or none) on 127.0.0.1.
 *
 * @example
 * ```ts
 * const server = await startBrokenServer('no-pkce');
 * const report = await diagnose(server.url);
 * await server.close();
 * ```
 */
export async function startBrokenServer(defect: Defect = 'none'): Promise<BrokenServer> {
  const requests: string[] = [];
  const clients: Clients = new Map();
  let origin = '';
  const answer = (res: ServerResponse, a: Answer) => send(res, defect, a.status, a.body, a.headers);
  const server = createServer(async function route(req, res) {
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    requests.push(`${req.method} ${path}`);
    if (req.method === 'OPTIONS') {
      if (defect === 'no-cors') return send(res, defect, 405, { error: 'method_not_allowed' });
      res.writeHead(204, { ...cors(defect, 204), 'access-control-allow-methods': 'GET, POST, DELETE', 'access-control-allow-headers': 'Authorization, Content-Type, MCP-Protocol-Version, Mcp-Session-Id' });
      return res.end();
    }
    if (path === '/mcp' && req.method === 'POST') {
      const body = await readJson(req);
      if (defect === 'discover-unchallenged' && body.method === 'server/discover' && !req.headers.authorization) return send(res, defect, 400, { jsonrpc: '2.0', id: body.id ?? null, error: { code: -32600, message: 'Bad Request: Server not initialized' } });
      const refused = authenticate(req, url, defect, challenge(origin, defect));
      return answer(res, refused ?? answerRpc(req, body, defect));
    }
    if (path === '/mcp' && req.method === 'DELETE') return send(res, defect, 200, {});
    if (req.method === 'GET' && path === '/authorize') return answer(res, authorize(url, clients, issuerOf(origin, defect), defect));
    if (req.method === 'GET' && path === PRM_ROOT && defect !== 'prm-only-path-inserted') return send(res, defect, 200, prm(origin, defect));
    if (req.method === 'GET' && path === `${PRM_ROOT}/mcp` && defect !== 'prm-only-root') return send(res, defect, 200, prm(origin, defect));
    const suffix = defect === 'path-issuer' ? '/oauth' : '';
    if (req.method === 'GET' && path === `/.well-known/oauth-authorization-server${suffix}` && defect !== 'only-openid-configuration') return send(res, defect, 200, metadata(origin, defect, 'oauth'));
    if (req.method === 'GET' && path === `/.well-known/openid-configuration${suffix}` && defect !== 'no-openid-configuration') return send(res, defect, 200, metadata(origin, defect, 'oidc'));
    if (req.method === 'POST' && path === '/register' && defect !== 'no-registration') return register(res, defect, await readJson(req), clients);
    if (req.method === 'POST' && path === '/token') return send(res, defect, 400, { error: 'invalid_grant' });
    send(res, defect, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: `${origin}/mcp`,
    requests,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
