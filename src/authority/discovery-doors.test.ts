import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthority, type Authority } from './create-authority.js';

/** The doors clients and scanners probe beyond the MCP spec's own: the well-known JWKS alias and RFC 8707's metadata flag. */
describe('the authority over HTTP', () => {
  let server: Server;
  let authority: Authority;
  let origin: string;
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-discovery-doors-'));

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    authority = await createAuthority({ publicUrl: origin, authority: { stateDir: dir, store: 'memory' } }, { warn: () => {} });
    server.on('request', (req, res) => void authority.handler(req, res));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await authority.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])('%s says resource indicators are supported', async (path) => {
    const response = await fetch(`${origin}${path}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.resource_parameter_supported).toBe(true);
    expect(body.jwks_uri).toBe(`${origin}/oauth/jwks`);
  });

  it('serves the jwks_uri key set at /.well-known/jwks.json, with the same CORS and caching', async () => {
    const headers = { origin: 'http://localhost:6274' };
    const [canonical, alias] = await Promise.all([fetch(`${origin}/oauth/jwks`, { headers }), fetch(`${origin}/.well-known/jwks.json`, { headers })]);
    expect(alias.status).toBe(200);
    const keys = (await alias.json()) as { keys: Array<{ kid?: string; d?: unknown }> };
    expect(keys).toEqual(await canonical.json());
    expect(keys.keys.length).toBeGreaterThan(0);
    expect(keys.keys.some((key) => 'd' in key)).toBe(false);
    expect(keys.keys.map((key) => key.kid)).toEqual(authority.keys.publicJwks.keys.map((key) => key.kid));
    for (const name of ['content-type', 'cache-control', 'access-control-allow-origin']) {
      expect(alias.headers.get(name), name).toBe(canonical.headers.get(name));
    }
    expect(alias.headers.get('access-control-allow-origin')).not.toBeNull();
  });

  it('answers the alias preflight as the jwks_uri preflight', async () => {
    const init = { method: 'OPTIONS', headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'GET' } };
    const [canonical, alias] = await Promise.all([fetch(`${origin}/oauth/jwks`, init), fetch(`${origin}/.well-known/jwks.json`, init)]);
    expect(alias.status).toBe(canonical.status);
    expect(alias.headers.get('access-control-allow-origin')).toBe(canonical.headers.get('access-control-allow-origin'));
  });
});
