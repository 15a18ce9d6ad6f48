import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DiscoveryError } from '../errors.js';
import { startLoopbackServer, type LoopbackServer } from '../testing/loopback-server.js';
import { UpstreamMetadata } from './upstream.js';

let server: LoopbackServer;
let served: Record<string, unknown> | undefined;
const opened: UpstreamMetadata[] = [];

beforeAll(async () => {
  server = await startLoopbackServer((req) =>
    req.url === '/.well-known/oauth-authorization-server' && served ? { status: 200, json: served } : { status: 503, json: {} },
  );
});
afterAll(async () => {
  for (const upstream of opened) upstream.close();
  await server.close();
});

function upstreamFor(options: Partial<ConstructorParameters<typeof UpstreamMetadata>[0]> = {}): UpstreamMetadata {
  const upstream = new UpstreamMetadata({ issuer: server.origin, timeoutMs: 2000, ...options });
  opened.push(upstream);
  return upstream;
}

const metadataRequests = () => server.requests.filter((r) => r.includes('oauth-authorization-server')).length;

describe('UpstreamMetadata', () => {
  it('is undefined before load, then holds the metadata with overrides applied', async () => {
    served = { issuer: server.origin, jwks_uri: `${server.origin}/broken`, token_endpoint: `${server.origin}/token` };
    const upstream = upstreamFor({ overrides: { jwks_uri: `${server.origin}/keys` } });
    expect(upstream.current).toBeUndefined();
    const metadata = await upstream.load();
    expect(metadata.jwks_uri).toBe(`${server.origin}/keys`);
    expect(upstream.current?.token_endpoint).toBe(`${server.origin}/token`);
    expect(upstream.fetched?.jwks_uri).toBe(`${server.origin}/broken`);
    expect(upstream.source).toBe(`${server.origin}/.well-known/oauth-authorization-server`);
  });

  it('shares one request between concurrent first loads', async () => {
    served = { issuer: server.origin };
    const upstream = upstreamFor();
    const before = metadataRequests();
    const results = await Promise.all([upstream.load(), upstream.load(), upstream.load()]);
    expect(metadataRequests() - before).toBe(1);
    expect(results[0]).toBe(results[2]);
    await upstream.load();
    expect(metadataRequests() - before).toBe(1);
  });

  it('rejects the first load with a DiscoveryError, and tries again on the next', async () => {
    served = undefined;
    const upstream = upstreamFor();
    await expect(upstream.load()).rejects.toBeInstanceOf(DiscoveryError);
    served = { issuer: server.origin };
    await expect(upstream.load()).resolves.toMatchObject({ issuer: server.origin });
  });

  it('keeps the last good metadata when a refresh fails', async () => {
    served = { issuer: server.origin, scopes_supported: ['a'] };
    const upstream = upstreamFor();
    await upstream.load();
    served = undefined;
    await expect(upstream.refresh()).resolves.toBeUndefined();
    expect(upstream.lastRefreshError).toBeInstanceOf(DiscoveryError);
    expect(upstream.current?.scopes_supported).toEqual(['a']);
    served = { issuer: server.origin, scopes_supported: ['b'] };
    await upstream.refresh();
    expect(upstream.lastRefreshError).toBeUndefined();
    expect(upstream.current?.scopes_supported).toEqual(['b']);
  });

  it('refreshes periodically after the first load, and stops on close', async () => {
    served = { issuer: server.origin, version: 1 };
    const upstream = upstreamFor({ refreshIntervalSec: 0.05 });
    await upstream.load();
    served = { issuer: server.origin, version: 2 };
    await vi.waitFor(() => expect(upstream.current?.version).toBe(2), { timeout: 5000, interval: 20 });
    upstream.close();
    // Joins a refresh the timer may have started just before close.
    await upstream.refresh();
    served = { issuer: server.origin, version: 3 };
    const afterClose = metadataRequests();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(metadataRequests()).toBe(afterClose);
    expect(upstream.current?.version).toBe(2);
  });
});
