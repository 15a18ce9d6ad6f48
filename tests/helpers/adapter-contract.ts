/**
 * The contract every adapter (node, express, hono, and `gate.fetch` itself)
 * must keep, as `src/authority/stores/adapter-contract.test.ts` is for the
 * stores: one list of the behaviours a client relies on, run against each
 * adapter's own server on loopback. An adapter's test file keeps only what is
 * its own (how it hands the body on, its routing, its framework's quirks).
 */
import { describe, expect, it } from 'vitest';
import { itReadsTheBodyOnlyAfterTheToken, whoamiViaSdk, whoamiViaSdkV2 } from './adapter-kit.js';
import { rawRequest as send } from './raw-http.js';
import type { TestIssuer } from '../../src/testing/index.js';

/** An adapter serving a gate on loopback, as its test set it up. */
export interface AdapterUnderTest {
  /** `http://127.0.0.1:<port>` of the adapter's server. */
  origin(): string;
  /** The test issuer the gate trusts. */
  issuer(): TestIssuer;
  /** The MCP endpoint's public URL, the `resource` of its metadata. Default `http://localhost:3000/mcp`. */
  resource?(): string;
  /** A token the gate accepts (scope `mcp`), with `claims` added. Default: the issuer's `mint`. */
  mint?(claims?: Record<string, unknown>): Promise<string>;
  /** Where a passing tools/call is sent and what the app behind saw there. Default `/mcp`. */
  passPath?: string;
  /** What the app's handler got from the adapter on the last passing request. */
  lastSeen(): { auth?: unknown; body?: unknown } | undefined;
  /** Whether the adapter hands the app the parsed JSON-RPC body (`gate.fetch` hands on the Request). Default true. */
  handsParsedBody?: boolean;
  /** A tool the gate's `scopes.tools` guards, and the scope it needs beyond `mcp`. Default `admin_report`, `mcp:admin`. */
  guardedTool?: { name: string; scope: string };
  /** Whether the adapter answers its own refusals (413) in JSON-RPC's shape; `gate.fetch` answers in OAuth's. Default true. */
  answersJsonRpc?: boolean;
  /** The adapter's body cap. */
  maxBodyBytes: number;
  /** True when a body parser before the gate reads the body first (express.json() before it). */
  bodyReadBeforeGate?: boolean;
  /**
   * Where the adapter serves a `whoami` server (adapter-kit's) through
   * `createMcpHandler`, one per SDK: the query string on the MCP endpoint
   * that reaches the SDK v2 server and the SDK v1 (legacy) one.
   */
  sdkServers?: { v2: string; v1: string };
}

/** The same token with its signature's first character changed: well-formed, and forged. */
function forged(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  return `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
}

function post(url: string, body: string, headers: Record<string, string | string[]> | [string, string][] = {}) {
  const all = Array.isArray(headers) ? [...headers, ['content-type', 'application/json'] as [string, string]] : { 'content-type': 'application/json', ...headers };
  return send(url, { method: 'POST', headers: all, body });
}

function toolCall(name: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });
}

/**
 * Registers the contract's tests for one adapter, inside the caller's `describe`.
 *
 * @example
 * ```ts
 * itKeepsTheAdapterContract({ origin: () => origin, issuer: () => issuer, lastSeen: () => reached, maxBodyBytes: 64 * 1024 });
 * ```
 */
export function itKeepsTheAdapterContract(adapter: AdapterUnderTest): void {
  const target = {
    resource: () => 'http://localhost:3000/mcp',
    mint: (claims?: Record<string, unknown>) => adapter.issuer().mint(claims),
    handsParsedBody: true,
    answersJsonRpc: true,
    guardedTool: { name: 'admin_report', scope: 'mcp:admin' },
    ...adapter,
  };
  const mcp = () => `${target.origin()}/mcp`;
  const metadataUrl = () => `${new URL(target.resource()).origin}/.well-known/oauth-protected-resource${new URL(target.resource()).pathname}`;

  describe('the adapter contract', () => {
    it('serves the protected-resource metadata, path-inserted and at the root, to browsers too', async () => {
      for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
        const res = await send(`${target.origin()}${path}`);
        expect([path, res.status, res.headers['access-control-allow-origin']]).toEqual([path, 200, '*']);
        expect(JSON.parse(res.body)).toMatchObject({ resource: target.resource(), authorization_servers: [target.issuer().issuer] });
      }
    });

    it('challenges a request without a token with 401 and resource_metadata, exposed to browsers', async () => {
      const res = await post(mcp(), toolCall('whoami'));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(new RegExp(`^Bearer resource_metadata="${metadataUrl().replace(/[.?]/g, '\\$&')}"`));
      expect(res.headers['access-control-expose-headers']).toMatch(/WWW-Authenticate/i);
      expect(res.headers['access-control-allow-origin']).toBe('*');
    });

    it('protects other spellings of the endpoint path', async () => {
      for (const path of ['/mcp/', '/MCP', '/%6Dcp']) {
        const res = await post(`${target.origin()}${path}`, '{}');
        expect([path, res.status]).toEqual([path, 401]);
      }
    });

    it('refuses tampered tokens with 401 invalid_token, never 5xx', async () => {
      const token = await target.mint();
      const [header, payload] = token.split('.');
      for (const bad of [forged(token), 'not-a-jwt', `${header}.${payload}.`]) {
        const res = await post(mcp(), toolCall('whoami'), { authorization: `Bearer ${bad}` });
        expect([bad, res.status]).toEqual([bad, 401]);
        expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      }
    });

    it('refuses two Authorization headers with 400 invalid_request, whatever their case', async () => {
      const token = await target.mint();
      const same = await post(mcp(), toolCall('whoami'), { authorization: [`Bearer ${token}`, `Bearer ${token}`] });
      const differing = await post(mcp(), toolCall('whoami'), { authorization: [`Bearer ${token}`, 'Bearer other'] });
      const cased = await post(mcp(), toolCall('whoami'), [['Authorization', `Bearer ${token}`], ['authorization', `Bearer ${token}`]]);
      expect([same.status, differing.status, cased.status]).toEqual([400, 400, 400]);
      expect(same.headers['www-authenticate']).toContain('error="invalid_request"');
    });

    it('lets a valid token through, handing the app the AuthInfo (and the parsed body)', async () => {
      const token = await target.mint({ sub: 'alice' });
      const res = await post(`${target.origin()}${target.passPath ?? '/mcp'}`, toolCall('whoami'), { authorization: `Bearer ${token}` });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-expose-headers']).toMatch(/Mcp-Session-Id/i);
      expect(target.lastSeen()?.auth).toMatchObject({ token, clientId: 'test-client', scopes: ['mcp'], extra: { sub: 'alice' } });
      if (target.handsParsedBody) expect(target.lastSeen()?.body).toMatchObject({ method: 'tools/call', params: { name: 'whoami' } });
    });

    it('answers 403 insufficient_scope, naming the scope, for a tool that needs more', async () => {
      const res = await post(mcp(), toolCall(target.guardedTool.name), { authorization: `Bearer ${await target.mint()}` });
      expect(res.status).toBe(403);
      expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
      expect(res.headers['www-authenticate']).toContain(`scope="mcp ${target.guardedTool.scope}"`);
    });

    it('answers a CORS preflight on the MCP endpoint without a token', async () => {
      const res = await send(mcp(), {
        method: 'OPTIONS',
        headers: { origin: 'http://inspector.local', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
    });

    if (target.sdkServers) {
      const servers = target.sdkServers;
      it.each([
        ['auto', 'auto', '2026-07-28'],
        ['pinned to 2026-07-28', { pin: '2026-07-28' }, '2026-07-28'],
        ['in legacy mode', 'legacy', '2025-11-25'],
      ] as const)('serves an SDK v2 server to the SDK v2 client %s, and its tool sees the caller', async (_mode, mode, version) => {
        const seen = await whoamiViaSdkV2(`${mcp()}${servers.v2}`, await target.mint({ sub: 'vera' }), mode);
        expect([seen.version, seen.content]).toEqual([version, [{ type: 'text', text: 'vera' }]]);
      });

      it('serves an SDK v2 server to the SDK v1 client (the 2025 stateless fallback)', async () => {
        expect(await whoamiViaSdk(`${mcp()}${servers.v2}`, await target.mint({ sub: 'walt' }))).toEqual([{ type: 'text', text: 'walt' }]);
      });

      it('serves an SDK v1 (legacy) server to the SDK v1 client, and to the SDK v2 client in auto mode on 2025-11-25', async () => {
        expect(await whoamiViaSdk(`${mcp()}${servers.v1}`, await target.mint({ sub: 'xena' }))).toEqual([{ type: 'text', text: 'xena' }]);
        const seen = await whoamiViaSdkV2(`${mcp()}${servers.v1}`, await target.mint({ sub: 'yuri' }), 'auto');
        expect([seen.version, seen.content]).toEqual(['2025-11-25', [{ type: 'text', text: 'yuri' }]]);
      });
    }

    // A body parser ahead of the gate reads the body (up to its own limit) before the gate sees the request.
    if (target.bodyReadBeforeGate) return;

    it('refuses a body over the cap with 413, saying why', async () => {
      const pad = 'x'.repeat(target.maxBodyBytes + 1024);
      const res = await post(mcp(), JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad } }), { authorization: `Bearer ${await target.mint()}` });
      expect(res.status).toBe(413);
      expect(res.body).toContain('larger than');
      if (target.answersJsonRpc) expect(JSON.parse(res.body)).toMatchObject({ error: { message: expect.stringContaining('larger than') } });
    });

    itReadsTheBodyOnlyAfterTheToken({ url: mcp, mint: () => target.mint(), maxBodyBytes: target.maxBodyBytes });
  });
}
