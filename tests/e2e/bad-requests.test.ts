/**
 * A table of bad tokens and bad requests against Gatehouse over real HTTP:
 * a real test issuer (keys, metadata, JWKS on loopback), an attacker's
 * issuer, and `gatehouseNode` in front of a tiny handler.
 *
 * Every row checks the exact status, the challenge (RFC 6750 §3 / RFC 9728
 * §5.1: `resource_metadata` always, `error` only when a token was presented
 * or the request is malformed), the JSON body, that nothing is a 5xx, and
 * that no response echoes the token.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportSPKI, generateKeyPair, importJWK, SignJWT, exportJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouseNode, type GatedIncomingMessage } from '../../src/adapters/node/index.js';
import { createGatehouse } from '../../src/gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../src/testing/test-issuer.js';
import type { Gatehouse } from '../../src/types.js';
import { parseBearerChallenge, rawRequest, type RawResponse } from '../helpers/raw-http.js';
import { badRequestRows, type Kit, type Row } from './bad-requests.rows.js';

const LENIENT = '/mcp';
const STRICT = '/strict-mcp';

let issuer: TestIssuer;
let attacker: TestIssuer;
let server: Server;
let origin: string;
const gates: Gatehouse[] = [];
let kit: Kit;

beforeAll(async () => {
  issuer = await startTestIssuer();
  attacker = await startTestIssuer();

  // Listen first: the resource URIs (and so every token's `aud`) need the port.
  let guard: (req: GatedIncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => {
    res.writeHead(503).end();
  };
  // Big enough for the 100 KB token to reach the gate; Node answers 431 above it.
  server = createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => void guard(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const common = {
    issuer: issuer.issuer,
    publicUrl: origin,
    scopes: { required: ['mcp'], tools: { admin_report: ['mcp:admin'] } },
    jwt: { algorithms: ['RS256', 'ES256'] as ('RS256' | 'ES256')[], clockToleranceSec: 30 },
  };
  const lenient = createGatehouse({ ...common, path: LENIENT });
  const strict = createGatehouse({ ...common, path: STRICT, jwt: { ...common.jwt, requireAccessTokenType: true } });
  gates.push(lenient, strict);
  await Promise.all(gates.map((g) => g.ready()));
  const first = gatehouseNode(lenient);
  const second = gatehouseNode(strict);

  guard = async function serve(req, res) {
    if (await first(req, res)) return;
    if (await second(req, res)) return;
    if (!req.auth) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ sub: req.auth.extra?.sub ?? null, clientId: req.auth.clientId, scopes: req.auth.scopes }));
  };

  const issuerJwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: JWK[] };
  const issuerPublicKey = await importJWK(issuerJwks.keys[0]!, 'RS256', { extractable: true });
  const attackerJwks = (await (await fetch(attacker.jwksUri)).json()) as { keys: JWK[] };
  const rs512 = await generateKeyPair('RS512');
  kit = {
    issuer,
    attacker,
    attackerPublicJwk: attackerJwks.keys[0]!,
    resource: (path = LENIENT) => `${origin}${path}`,
    mint(claims = {}, options = {}, path = LENIENT) {
      return issuer.mint({ aud: `${origin}${path}`, scope: 'mcp', ...claims }, options);
    },
    publicKeyPem: new TextEncoder().encode(await exportSPKI(issuerPublicKey as CryptoKey)),
    signRs512: (payload: Record<string, unknown>) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'RS512', kid: issuer.kid, typ: 'at+jwt' }).sign(rs512.privateKey),
    jwkOf: async (key: CryptoKey) => exportJWK(key),
  };
});

afterAll(async () => {
  for (const gate of gates) gate.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await issuer?.close();
  await attacker?.close();
});

const MCP_BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });

/** Long enough pieces of the credentials that must never come back in a response. */
function secretsOf(headers: [string, string][], query: string | undefined): string[] {
  const values = headers.filter(([name]) => name.toLowerCase() === 'authorization').map(([, v]) => v);
  if (query) values.push(...new URLSearchParams(query).getAll('access_token'));
  const pieces = values.flatMap((v) => [v.replace(/^\S+\s+/, ''), ...v.split(/[.\s]/)]);
  return [...new Set(pieces.filter((p) => p.length >= 16))];
}

function checkNoEcho(response: RawResponse, secrets: string[]): void {
  const everything = `${JSON.stringify(response.headers)}\n${response.body}`;
  for (const secret of secrets) expect(everything.includes(secret), 'the response echoes the token').toBe(false);
}

function checkChallenge(row: Row, response: RawResponse, path: string): void {
  const header = response.headers['www-authenticate'];
  expect(header, 'WWW-Authenticate').toBeDefined();
  const params = parseBearerChallenge(header ?? '');
  expect(params, `a Bearer challenge: ${header}`).toBeDefined();
  expect(params?.resource_metadata).toBe(`${origin}/.well-known/oauth-protected-resource${path}`);
  if (row.error === undefined) {
    // No credentials (or another scheme): no error code, so the client starts the OAuth flow.
    expect(params?.error).toBeUndefined();
    expect(params?.error_description).toBeUndefined();
  } else {
    expect(params?.error).toBe(row.error);
    expect(params?.error_description).toEqual(expect.any(String));
  }
  if (row.error === 'insufficient_scope') {
    expect(params?.scope?.split(' ')).toEqual(expect.arrayContaining(row.scope ?? []));
  } else {
    // Required scopes are named in every 401 challenge.
    expect(params?.scope).toBe('mcp');
  }
  expect(response.headers['cache-control']).toBe('no-store');
  const body = JSON.parse(response.body) as { error?: string; error_description?: string };
  expect(body.error).toBe(row.error ?? 'unauthorized');
  expect(body.error_description).toEqual(expect.any(String));
  if (row.description) expect(body.error_description).toMatch(row.description);
}

describe('bad tokens and requests', () => {
  const rows = badRequestRows();

  it('the echo check catches a token that comes back', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU';
    const secrets = secretsOf([['authorization', `Bearer ${token}`]], undefined);
    expect(() => checkNoEcho({ status: 401, headers: {}, body: `{"error_description":"bad token ${token.split('.')[2]}"}` }, secrets)).toThrow();
    expect(() => checkNoEcho({ status: 401, headers: { 'x-debug': token }, body: '' }, secrets)).toThrow();
    expect(() => checkNoEcho({ status: 401, headers: {}, body: '{"error":"invalid_token"}' }, secrets)).not.toThrow();
  });

  it('has at least 35 rows with distinct names', () => {
    expect(rows.length).toBeGreaterThanOrEqual(35);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  it.each(rows.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const spec = await row.request(kit);
    const path = spec.path ?? LENIENT;
    const headers: [string, string][] = [['content-type', 'application/json'], ['accept', 'application/json, text/event-stream'], ...spec.headers];
    const response = await rawRequest(`${origin}${path}${spec.query ? `?${spec.query}` : ''}`, {
      method: 'POST',
      headers,
      body: spec.body ?? MCP_BODY,
    });

    expect(response.status, response.body).toBe(row.status);
    expect(response.status).toBeLessThan(500);
    checkNoEcho(response, secretsOf(spec.headers, spec.query));
    if (row.status === 200) {
      const body = JSON.parse(response.body) as Record<string, unknown>;
      if (row.caller) expect(body).toMatchObject(row.caller);
    } else if (row.status !== 431) {
      checkChallenge(row, response, path);
    }
    if (spec.after) spec.after(kit);
  });
});
