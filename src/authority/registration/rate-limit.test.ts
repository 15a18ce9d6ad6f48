/**
 * The per-address limit on dynamic client registration, against a real
 * authority on loopback: a second loopback source address (127.0.0.2)
 * stands for a second client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type RawResponse } from '../../../tests/helpers/raw-http.js';
import { createAuthority, type Authority } from '../create-authority.js';

const BURST = 3;
const metadata = JSON.stringify({ redirect_uris: ['http://127.0.0.1:9999/callback'], token_endpoint_auth_method: 'none', client_name: 'rate limit test' });

describe('registration rate limit', () => {
  let server: Server;
  let authority: Authority;
  let origin: string;
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-registration-limit-'));

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    authority = await createAuthority(
      // A refill far longer than the test: no token comes back while it runs.
      { publicUrl: origin, authority: { stateDir: dir, store: 'memory', registration: { dcr: 'open' }, registrationRateLimit: { burst: BURST, refillSec: 3600 } } },
      { warn: () => {} },
    );
    server.on('request', (req, res) => void authority.handler(req, res));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await authority.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const register = (localAddress?: string, headers: Record<string, string> = {}): Promise<RawResponse> =>
    rawRequest(`${origin}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: metadata, localAddress });

  it('lets one address register its burst, then answers 429 with Retry-After and an OAuth error', async () => {
    for (let i = 0; i < BURST; i++) expect((await register('127.0.0.1')).status).toBe(201);
    const refused = await register('127.0.0.1');
    expect(refused.status).toBe(429);
    // One token per hour comes back: the wait is the refill period, less the moments the burst took.
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3500);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(refused.headers['access-control-allow-origin']).toBe('*');
    const body = JSON.parse(refused.body) as Record<string, unknown>;
    expect(body.error).toBe('temporarily_unavailable');
    expect(body.error_description).toMatch(/^Too many client registrations from this address; retry after \d+ s$/);
  });

  it('does not count another address against the first one', async () => {
    expect((await register('127.0.0.1')).status).toBe(429);
    expect((await register('127.0.0.2')).status).toBe(201);
  });

  it('counts only POSTs to the registration endpoint: other requests from a spent address are not refused by it', async () => {
    expect((await register('127.0.0.1')).status).toBe(429);
    const read = await rawRequest(`${origin}/oauth/register`, { localAddress: '127.0.0.1' });
    expect(read.status).not.toBe(429);
    const token = await rawRequest(`${origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=nobody',
      localAddress: '127.0.0.1',
    });
    // Refused for what it is (an unknown client), not by the registration limit.
    expect(token.status).toBe(401);
    expect(JSON.parse(token.body).error).toBe('invalid_client');
  });

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    expect((await register('127.0.0.1', { 'x-forwarded-for': '198.51.100.7' })).status).toBe(429);
  });
});
