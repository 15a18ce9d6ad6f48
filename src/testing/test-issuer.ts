import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { sendJson } from '../http/node/respond.js';

/** Options of `startTestIssuer`. */
export interface TestIssuerOptions {
  /** Signing algorithm of the issuer's keys. Default `RS256`. */
  alg?: 'RS256' | 'ES256' | 'EdDSA';
  /** A path for the issuer (e.g. `/realms/test`); metadata is then served path-inserted. Default none. */
  path?: string;
  /** Port to listen on, on 127.0.0.1. Default 0 (a free port). */
  port?: number;
  /** The default `aud` of minted tokens. Default `http://localhost:3000/mcp`. */
  audience?: string | string[];
  /** The default `scope` of minted tokens. Default `mcp`. */
  scope?: string;
  /** Extra fields merged into the served metadata. */
  metadata?: Record<string, unknown>;
}

/** Options of `TestIssuer.mint`. */
export interface MintOptions {
  /** Header fields to add or replace (`kid`, `typ`, `alg`...); `undefined` removes one. */
  header?: Record<string, unknown>;
  /** Sign with this key instead of the issuer's current one (a foreign key, an HMAC secret...). */
  key?: CryptoKey | Uint8Array;
  /** Seconds until `exp`. Default 300. */
  expiresIn?: number;
}

/** How the JWKS endpoint answers. */
export type JwksMode = 'ok' | 'unavailable' | 'error' | 'garbage' | 'empty';

/** A running test issuer. */
export interface TestIssuer {
  /** The issuer identifier, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly issuer: string;
  readonly jwksUri: string;
  /** The URL its RFC 8414 metadata is served at. */
  readonly metadataUrl: string;
  /** The `kid` of the key `mint` signs with. */
  readonly kid: string;
  /** How many times the JWKS was requested. */
  readonly jwksRequests: number;
  /** Every request received, as `METHOD /path`. */
  readonly requests: readonly string[];
  /** Signs an access token. `claims` replace the defaults; an `undefined` claim is left out. */
  mint(claims?: Record<string, unknown>, options?: MintOptions): Promise<string>;
  /** Signs any payload (not necessarily JSON) as a compact JWS with the current key: for malformed-token tests. */
  signPayload(payload: string, header?: Record<string, unknown>): Promise<string>;
  /** Adds a new signing key (old keys stay published unless `dropOld`) and returns its `kid`. */
  rotate(options?: { dropOld?: boolean }): Promise<string>;
  /** `false` makes the JWKS endpoint answer 503. */
  setJwksAvailable(available: boolean): void;
  /** Makes the JWKS endpoint answer normally, 503, 500, a 200 that is not a key set, or a key set with no keys. */
  setJwksMode(mode: JwksMode): void;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * Starts a tiny real issuer on 127.0.0.1 for tests: RFC 8414 metadata, a JWKS,
 * and a `mint` that signs RFC 9068 access tokens. Use it to test a server
 * behind Gatehouse without a real identity provider.
 *
 * @example
 * ```ts
 * import { startTestIssuer } from 'mcp-gatehouse/testing';
 * const issuer = await startTestIssuer({ audience: 'http://localhost:3000/mcp' });
 * const token = await issuer.mint({ scope: 'mcp files:read' });
 * // ... call your server with `Authorization: Bearer ${token}`
 * await issuer.close();
 * ```
 */
export async function startTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const alg = options.alg ?? 'RS256';
  const path = (options.path ?? '').replace(/\/+$/, '');
  const keys: SigningKey[] = [await newKey(alg, 1)];
  const requests: string[] = [];
  let jwksRequests = 0;
  let jwksMode: JwksMode = 'ok';

  const server = createServer(function route(req: IncomingMessage, res: ServerResponse) {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    requests.push(`${req.method} ${pathname}`);
    if (req.method === 'GET' && pathname === `/.well-known/oauth-authorization-server${path}`) return sendJson(res, 200, metadata());
    if (req.method === 'GET' && pathname === `${path}/jwks`) {
      jwksRequests++;
      if (jwksMode === 'unavailable') return sendJson(res, 503, { error: 'temporarily_unavailable' });
      if (jwksMode === 'error') return sendJson(res, 500, { error: 'server_error' });
      if (jwksMode === 'garbage') return send(res, 200, 'text/html', '<html>maintenance</html>');
      if (jwksMode === 'empty') return sendJson(res, 200, { keys: [] });
      return sendJson(res, 200, { keys: keys.map((k) => k.publicJwk) });
    }
    return sendJson(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}${path}`;
  const jwksUri = `${issuer}/jwks`;

  function metadata(): Record<string, unknown> {
    return {
      issuer,
      jwks_uri: jwksUri,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic'],
      ...options.metadata,
    };
  }

  const current = () => keys[keys.length - 1]!;

  return {
    issuer,
    jwksUri,
    metadataUrl: `http://127.0.0.1:${port}/.well-known/oauth-authorization-server${path}`,
    get kid() {
      return current().kid;
    },
    get jwksRequests() {
      return jwksRequests;
    },
    requests,
    async mint(claims = {}, mintOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = defined({
        iss: issuer,
        aud: options.audience ?? 'http://localhost:3000/mcp',
        sub: 'test-user',
        client_id: 'test-client',
        scope: options.scope ?? 'mcp',
        iat: now,
        exp: now + (mintOptions.expiresIn ?? 300),
        jti: crypto.randomUUID(),
        ...claims,
      });
      const header = defined({ alg, kid: current().kid, typ: 'at+jwt', ...mintOptions.header });
      return new SignJWT(payload as JWTPayload)
        .setProtectedHeader(header as { alg: string })
        .sign(mintOptions.key ?? current().privateKey, signOptions(header));
    },
    signPayload(payload, header = {}) {
      return new CompactSign(new TextEncoder().encode(payload))
        .setProtectedHeader(defined({ alg, kid: current().kid, ...header }) as { alg: string })
        .sign(current().privateKey, signOptions(header));
    },
    async rotate(rotateOptions = {}) {
      const key = await newKey(alg, keys.length + 1);
      if (rotateOptions.dropOld) keys.splice(0, keys.length);
      keys.push(key);
      return key.kid;
    },
    setJwksAvailable(available) {
      jwksMode = available ? 'ok' : 'unavailable';
    },
    setJwksMode(mode) {
      jwksMode = mode;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

async function newKey(alg: 'RS256' | 'ES256' | 'EdDSA', n: number): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `test-key-${n}-${crypto.randomUUID().slice(0, 8)}`;
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** Lets a test mint tokens with any `crit` header: jose refuses unknown extensions unless told they are understood. */
function signOptions(header: Record<string, unknown>): { crit?: Record<string, boolean> } {
  const crit = header.crit;
  if (!Array.isArray(crit)) return {};
  return { crit: Object.fromEntries(crit.filter((c): c is string => typeof c === 'string').map((c) => [c, true])) };
}

function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
