import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../tests/helpers/raw-http.js';
import { clientAddress } from './client-address.js';

/** A loopback server that answers each request with the address clientAddress sees, trusting the proxy when the path says so. */
let server: Server;
let origin: string;
beforeAll(async () => {
  server = createServer((req, res) => res.end(clientAddress(req, req.url === '/trusted')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function seen(path: '/trusted' | '/untrusted', headers: [string, string][]): Promise<string> {
  return (await rawRequest(`${origin}${path}`, { headers: [['host', '127.0.0.1'], ...headers] })).body;
}

describe('clientAddress', () => {
  it('is the connection peer without trustProxy, whatever the headers say', async () => {
    expect(await seen('/untrusted', [['x-forwarded-for', '203.0.113.9'], ['forwarded', 'for=203.0.113.9']])).toBe('127.0.0.1');
  });

  it('with trustProxy, is the last X-Forwarded-For entry: the one the proxy appended, not those the client sent', async () => {
    expect(await seen('/trusted', [['x-forwarded-for', '198.51.100.7, 203.0.113.9']])).toBe('203.0.113.9');
    // A client's own header followed by the proxy's: Node joins them, the proxy's still comes last.
    expect(await seen('/trusted', [['x-forwarded-for', '198.51.100.7'], ['x-forwarded-for', '203.0.113.10']])).toBe('203.0.113.10');
  });

  it('with trustProxy, reads Forwarded when there is no X-Forwarded-For, ports and brackets removed', async () => {
    expect(await seen('/trusted', [['forwarded', 'for=198.51.100.7, for="[2001:DB8::1]:443";proto=https']])).toBe('2001:db8::1');
    expect(await seen('/trusted', [['forwarded', 'for=203.0.113.9:8080']])).toBe('203.0.113.9');
    expect(await seen('/trusted', [['x-forwarded-for', '::ffff:192.0.2.1']])).toBe('192.0.2.1');
    // for= need not come first in its element, and its name is case-insensitive (RFC 7239 §4).
    expect(await seen('/trusted', [['forwarded', 'for=198.51.100.7, proto=https; For=203.0.113.9']])).toBe('203.0.113.9');
    expect(await seen('/trusted', [['x-forwarded-for', '[2001:db8::2]']])).toBe('2001:db8::2');
    expect(await seen('/trusted', [['x-forwarded-for', '::FFFF:192.0.2.3']])).toBe('192.0.2.3');
    expect(await seen('/trusted', [['x-forwarded-for', '2001:DB8::3']])).toBe('2001:db8::3');
    expect(await seen('/trusted', [['x-forwarded-for', '::ffff:198.51.100.27']])).toBe('198.51.100.27');
    expect(await seen('/trusted', [['x-forwarded-for', '2001:db8::ffff:192.0.2.1']])).toBe('2001:db8::ffff:192.0.2.1');
    expect(await seen('/trusted', [['forwarded', 'for="198.51.100.27:8080"']])).toBe('198.51.100.27');
  });

  it('with trustProxy, falls back to the peer when the proxy wrote nothing that is an address', async () => {
    expect(await seen('/trusted', [])).toBe('127.0.0.1');
    for (const junk of ['evil.example', 'unknown', '', '1.2.3.4.5', '_hidden', '192.0.2.1:80:80', 'x192.0.2.1:80', '192.0.2.1:80x', 'x[2001:db8::1]', '[2001:db8::1]x', '"']) {
      expect(await seen('/trusted', [['x-forwarded-for', `198.51.100.7, ${junk}`]])).toBe('127.0.0.1');
    }
  });
});
