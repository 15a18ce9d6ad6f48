/**
 * Registered clients expire when idle: a real oidc-provider on the memory
 * store, registering over loopback HTTP, with the store's clock moved by hand.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireIdleClients } from './idle-clients.js';
import { createMemoryStore } from './memory.js';

const DAY = 86_400_000;

describe('idle registered clients', () => {
  let clock = Date.now();
  const now = () => clock;
  const inner = createMemoryStore({ now });
  let writes = 0;
  const counting = Object.assign((model: string) => {
    const adapter = inner(model);
    if (model !== 'Client') return adapter;
    return { ...adapter, find: adapter.find.bind(adapter), destroy: adapter.destroy.bind(adapter), upsert: (...args: Parameters<typeof adapter.upsert>) => (writes++, adapter.upsert(...args)) };
  }, { kind: inner.kind, createIfAbsent: inner.createIfAbsent, sweep: () => inner.sweep(), close: () => inner.close() });
  const store = expireIdleClients(counting, { idleSec: 30 * 86_400, now });
  let server: Server;
  let issuer: string;
  let provider: Provider;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    provider = new Provider(issuer, {
      adapter: store,
      features: { registration: { enabled: true } },
      clients: [{ client_id: 'configured', redirect_uris: ['http://127.0.0.1:9999/cb'], token_endpoint_auth_method: 'none' }],
    });
    server.on('request', provider.callback());
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  async function register(): Promise<string> {
    const res = await fetch(`${issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9999/cb'], token_endpoint_auth_method: 'none' }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { client_id: string }).client_id;
  }

  it('forgets a client nobody used for the idle time, keeps one in use, and never a configured one', async () => {
    const idle = await register();
    const used = await register();
    clock += 20 * DAY;
    expect(await provider.Client.find(used)).toBeDefined(); // a use: what authorization and token requests do
    clock += 11 * DAY;
    expect(await provider.Client.find(idle)).toBeUndefined();
    expect(await provider.Client.find(used)).toBeDefined();
    clock += 400 * DAY;
    expect(await provider.Client.find('configured')).toBeDefined();
  });

  it('writes a client in use again at most once a day', async () => {
    const id = await register();
    const before = writes;
    for (let i = 0; i < 5; i++) await provider.Client.find(id);
    clock += 2 * 3_600_000;
    await provider.Client.find(id);
    expect(writes - before).toBe(0);
    clock += DAY;
    await provider.Client.find(id);
    await provider.Client.find(id);
    expect(writes - before).toBe(1);
  });
});
