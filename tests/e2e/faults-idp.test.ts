/**
 * The upstream IdP slow or down while the gate verifies tokens
 * (resource-server mode), over real HTTP on both sides: a stand-in issuer
 * (metadata and JWKS, switchable to slow, hanging or closed) and the gate
 * on `gatehouseNode`. A token whose key is cached never waits on the IdP:
 * while a request with a new `kid` waits for a JWKS fetch that hangs, the
 * unrelated requests all complete first; the waiting one ends, bounded by
 * `discovery.timeoutMs`, with a 401 challenge (`ERR_JWKS_UNAVAILABLE`,
 * which clients retry), never a 500 or a hang. The 5 s of a slow IdP are
 * a fetch that never answers against a 1 s timeout here, so the test stays
 * short; ordering is asserted, not timings (speed is `npm run bench`'s).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouseNode } from '../../src/adapters/node/middleware.js';
import { createGatehouse, type GatehouseInstance } from '../../src/gatehouse.js';

type JwksMode = { kind: 'answer'; delayMs?: number } | { kind: 'hang' };

interface StandInIssuer {
  issuer: string;
  /** Keys the JWKS publishes now. */
  published: JWK[];
  mode: JwksMode;
  jwksFetches: number;
  close(): Promise<void>;
}

async function startStandInIssuer(): Promise<StandInIssuer> {
  const hanging = new Set<() => void>();
  const state: Omit<StandInIssuer, 'issuer' | 'close'> = { published: [], mode: { kind: 'answer' }, jwksFetches: 0 };
  const server: Server = createServer((req, res) => {
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/oauth-authorization-server') {
      return json({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, code_challenge_methods_supported: ['S256'] });
    }
    if (req.url === '/jwks') {
      state.jwksFetches++;
      const mode = state.mode;
      if (mode.kind === 'hang') return void hanging.add(() => res.destroy());
      return void setTimeout(() => json({ keys: state.published }), mode.delayMs ?? 0);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    issuer,
    async close() {
      for (const drop of hanging) drop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

async function signingKey(kid: string): Promise<{ kid: string; privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

describe('the upstream IdP slow or down during verification', () => {
  let idp: StandInIssuer;
  let gate: GatehouseInstance;
  let server: Server;
  let mcpUrl: string;
  let keyA: Awaited<ReturnType<typeof signingKey>>;
  /** Published by the slow-but-answering JWKS, cached since. */
  let keyC: Awaited<ReturnType<typeof signingKey>>;

  beforeAll(async () => {
    idp = await startStandInIssuer();
    keyA = await signingKey('key-a');
    idp.published = [keyA.jwk];
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    mcpUrl = `${origin}/mcp`;
    gate = createGatehouse({ issuer: idp.issuer, publicUrl: origin, discovery: { timeoutMs: 1000 }, jwt: { jwksCooldownSec: 0, cacheTtlSec: 0 } });
    await gate.ready();
    const guard = gatehouseNode(gate);
    server.on('request', (req, res) => {
      void guard(req, res, () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
  });

  afterAll(async () => {
    gate?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await idp?.close().catch(() => {});
  });

  const tokenBy = (key: { kid: string; privateKey: CryptoKey }, sub = 'alice') =>
    new SignJWT({ scope: 'mcp' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
      .setIssuer(idp.issuer)
      .setAudience(mcpUrl)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key.privateKey);

  const call = async (token: string) => {
    const response = await fetch(mcpUrl, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() };
  };

  /** Sends the request that waits on the IdP, then the unrelated ones; resolves to what ended in which order. */
  async function unrelatedWhileWaiting(waiting: string, unrelated: string[]) {
    const order: string[] = [];
    const slow = call(waiting).then((answer) => (order.push('waiting'), answer));
    // The waiting request reaches the gate (and its JWKS fetch starts) before the others are sent.
    const fetchesBefore = idp.jwksFetches;
    while (idp.jwksFetches === fetchesBefore) await new Promise((resolve) => setTimeout(resolve, 5));
    const fast = await Promise.all(unrelated.map((token) => call(token).then((answer) => (order.push('unrelated'), answer))));
    return { order, fast, slow: await slow };
  }

  it('a JWKS fetch that hangs: requests with cached keys all complete first; the waiting one gets a 401 challenge within the timeout', async () => {
    const keyB = await signingKey('key-b');
    idp.mode = { kind: 'hang' };
    const unrelated = await Promise.all(Array.from({ length: 20 }, (_, i) => tokenBy(keyA, `user-${i}`)));
    const { order, fast, slow } = await unrelatedWhileWaiting(await tokenBy(keyB), unrelated);
    expect(fast.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(order).toEqual([...Array(20).fill('unrelated'), 'waiting']);
    expect(slow.status).toBe(401);
    expect(slow.challenge).toMatch(/^Bearer /);
    expect(slow.challenge).toMatch(/error="invalid_token"/);
    // It says what went wrong (the keys could not be fetched), in a JSON body; a kid is public, key material never is.
    expect(JSON.parse(slow.body)).toEqual({ error: "invalid_token", error_description: expect.stringMatching(/JWKS|keys/i) });
    expect(slow.body).not.toMatch(/BEGIN|"d":/);
  });

  it('a slow JWKS that still answers within the timeout: the new key is used, and the unrelated requests did not wait for it', async () => {
    keyC = await signingKey('key-c');
    idp.published = [keyA.jwk, keyC.jwk];
    idp.mode = { kind: 'answer', delayMs: 400 };
    const unrelated = await Promise.all(Array.from({ length: 10 }, (_, i) => tokenBy(keyA, `user-${i}`)));
    const { order, fast, slow } = await unrelatedWhileWaiting(await tokenBy(keyC), unrelated);
    expect(fast.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(order.at(-1)).toBe('waiting');
    expect(slow.status).toBe(200);
  });

  it('the IdP down: tokens with cached keys keep working; a token needing a fetch gets the 401 challenge at once', async () => {
    await idp.close();
    const keyD = await signingKey('key-d');
    expect((await call(await tokenBy(keyA))).status).toBe(200);
    const refused = await call(await tokenBy(keyD));
    expect(refused.status).toBe(401);
    expect(refused.challenge).toMatch(/error="invalid_token"/);
    expect((await call(await tokenBy(keyC))).status).toBe(200);
  });
});
