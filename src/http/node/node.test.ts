import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pathOf } from './request-path.js';
import { sendJson } from './respond.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server!.address() as AddressInfo).port}`)));
}

/** Sends a raw request line, as a client that does not clean its target would. */
function rawGet(address: string, target: string): Promise<string> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host!, () => socket.write(`GET ${target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('pathOf', () => {
  it.each([
    ['/mcp', '/mcp'],
    ['/mcp?code=secret', '/mcp'],
    ['/healthz#x?y', '/healthz'],
    ['/a/b?c#d', '/a/b'],
    ['/', '/'],
  ])('%s → %s', async (target, path) => {
    let seen: string | undefined;
    const address = await listen((req: IncomingMessage, res) => {
      seen = pathOf(req);
      res.end();
    });
    await rawGet(address, target);
    expect(seen).toBe(path);
  });

  it('is / when a request has no URL', () => {
    expect(pathOf({} as IncomingMessage)).toBe('/');
  });
});

describe('sendJson', () => {
  it('answers JSON that no cache keeps, with extra headers last', async () => {
    const address = await listen((_req, res) => sendJson(res, 418, { error: 'teapot' }, { 'x-extra': '1' }));
    const res = await fetch(`http://${address}/`);
    expect(res.status).toBe(418);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-extra')).toBe('1');
    expect(await res.json()).toEqual({ error: 'teapot' });
  });

  it('lets a caller set its own cache policy', async () => {
    const address = await listen((_req, res) => sendJson(res, 200, { keys: [] }, { 'cache-control': 'public, max-age=300' }));
    const res = await fetch(`http://${address}/`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
  });
});
