import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryError, InvalidTokenError } from './errors.js';
import { createGatehouse, type GatehouseInstance } from './gatehouse.js';
import { startTestIssuer, type TestIssuer } from './testing/test-issuer.js';
import type { AuthInfo, TokenVerifier } from './tokens/types.js';
import { itKeepsTheAdapterContract } from '../tests/helpers/adapter-contract.js';

let issuer: TestIssuer;
let server: ServerType;
let origin: string;
let gate: GatehouseInstance;
const seen: (AuthInfo | undefined)[] = [];

beforeAll(async () => {
  issuer = await startTestIssuer();
  server = await new Promise((resolve) => {
    const s = serve(
      {
        hostname: '127.0.0.1',
        port: 0,
        overrideGlobalObjects: false,
        fetch: (request: Request) =>
          gate.fetch(request, (_req, authInfo) => {
            seen.push(authInfo);
            return Response.json({ sub: authInfo?.extra?.sub ?? null }, { headers: { 'mcp-session-id': 's-1' } });
          }),
      },
      () => resolve(s),
    );
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Not ready() on purpose: the first request must wait for discovery itself.
  gate = createGatehouse({ issuer: issuer.issuer, publicUrl: origin, scopes: { required: ['mcp'], tools: { delete_file: ['files:write'] } } });
});

afterAll(async () => {
  gate?.close();
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    (server as { closeAllConnections?: () => void } | undefined)?.closeAllConnections?.();
  });
  await issuer?.close();
});

const mintFor = (claims: Record<string, unknown> = {}) => issuer.mint({ aud: `${origin}/mcp`, ...claims });

function rpc(token: string | undefined, body: unknown): Promise<Response> {
  return fetch(`${origin}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

describe('createGatehouse().fetch over real HTTP', () => {
  it('verifies a token before ready() was called, and hands AuthInfo to the handler', async () => {
    const response = await rpc(await mintFor({ sub: 'alice' }), { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'alice' });
    expect(response.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(seen.at(-1)).toMatchObject({ clientId: 'test-client', scopes: ['mcp'] });
    expect(seen.at(-1)?.resource?.href).toBe(`${origin}/mcp`);
  });

  it('names the required scopes in the challenge of a request without a token', async () => {
    const response = await rpc(undefined, { jsonrpc: '2.0', id: 1, method: 'initialize' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp", scope="mcp"`);
  });

  it('lets a tools/call through once the token has the scope the tool needs', async () => {
    const allowed = await rpc(await mintFor({ scope: 'mcp files:write' }), { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'delete_file' } });
    expect(allowed.status).toBe(200);
  });

  itKeepsTheAdapterContract({
    origin: () => origin,
    resource: () => `${origin}/mcp`,
    issuer: () => issuer,
    mint: (claims) => mintFor(claims),
    lastSeen: () => ({ auth: seen.at(-1) }),
    handsParsedBody: false,
    answersJsonRpc: false,
    guardedTool: { name: 'delete_file', scope: 'files:write' },
    // The default cap. Per-tool scopes are on here, so gate.fetch reads a body that passes: within the cap, after the token.
    maxBodyBytes: 4 * 1024 * 1024,
  });

  it('passes requests outside the endpoint to the handler without AuthInfo', async () => {
    const before = seen.length;
    const response = await fetch(`${origin}/healthz`);
    expect(response.status).toBe(200);
    expect(seen.length).toBe(before + 1);
    expect(seen.at(-1)).toBeUndefined();
  });
});

describe('createGatehouse().ready', () => {
  it('resolves, twice', async () => {
    await gate.ready();
    await expect(gate.ready()).resolves.toBeUndefined();
  });

  it('fails fast with a DiscoveryError naming the URLs tried', async () => {
    const gone = await startTestIssuer();
    const url = gone.issuer;
    await gone.close();
    const broken = createGatehouse({ issuer: url, publicUrl: 'https://mcp.example.com', discovery: { timeoutMs: 1000 } });
    try {
      const error = await broken.ready().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(DiscoveryError);
      expect((error as DiscoveryError).message).toContain(`${url}/.well-known/oauth-authorization-server`);
      // A request meanwhile is a 401 with a challenge, not a 500.
      const result = await broken.authenticate(
        new Request('https://mcp.example.com/mcp', { method: 'POST', headers: { authorization: 'Bearer a.b.c' } }),
      );
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.response.status).toBe(401);
        expect(result.error.code).toBe('ERR_JWKS_UNAVAILABLE');
        expect(result.response.headers.get('www-authenticate')).toContain('resource_metadata=');
      }
    } finally {
      broken.close();
    }
  });
});

describe('createGatehouse with a custom verifier', () => {
  it('answers 401, not 500, when the verifier throws a plain Error', async () => {
    const throwing: TokenVerifier = {
      verify: () => Promise.reject(new Error('database exploded')),
    };
    const custom = createGatehouse({ issuer: 'https://idp.invalid', publicUrl: 'https://mcp.example.com' }, { verifier: throwing });
    try {
      const response = await custom.fetch(
        new Request('https://mcp.example.com/mcp', { method: 'POST', headers: { authorization: 'Bearer abc.def.ghi' } }),
        () => new Response('should not be reached', { status: 500 }),
      );
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(await response.text()).not.toContain('database');
    } finally {
      custom.close();
    }
  });

  it('uses the verifier without waiting for the upstream', async () => {
    const accepting: TokenVerifier = {
      async verify(token) {
        if (token !== 'good') throw new InvalidTokenError('ERR_JWS_SIGNATURE_INVALID', 'bad');
        return { token, clientId: 'c', scopes: [] };
      },
    };
    const custom = createGatehouse({ issuer: 'https://idp.invalid', publicUrl: 'https://mcp.example.com' }, { verifier: accepting });
    try {
      const result = await custom.authenticate(new Request('https://mcp.example.com/mcp', { headers: { authorization: 'Bearer good' } }));
      expect(result.ok).toBe(true);
      expect(custom.protects(new Request('https://mcp.example.com/mcp/x'))).toBe(true);
      expect(custom.protects(new Request('https://mcp.example.com/other'))).toBe(false);
    } finally {
      custom.close();
    }
  });
});
