import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../src/doctor/index.js';

/**
 * Which hosts the doctor takes for loopback: names under `localhost` (as
 * browsers do), never a DNS name that merely starts with `127.`. The server
 * is a real one on 127.0.0.1; the doctor's `fetch` sends every probe there,
 * whatever the host in the URL, so the names need no DNS.
 */

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer(function answer(req, res) {
    if (req.url === '/mcp') {
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="http://${req.headers.host}/.well-known/oauth-protected-resource/mcp"` });
      return void res.end();
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not_found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** `fetch` that reaches the local server for any host, keeping the URL's host in the Host header. */
const toLocalServer: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  url.hostname = '127.0.0.1';
  return fetch(url, init);
};

async function findingIds(host: string): Promise<string[]> {
  const report = await diagnose(`http://${host}:${port}/mcp`, { timeoutMs: 5000, fetch: toLocalServer });
  return report.findings.map((f) => f.id);
}

describe('the doctor on plain http', () => {
  it('warns about a DNS name that only starts with 127. (it is not a loopback address)', async () => {
    const ids = await findingIds('127.attacker.example');
    expect(ids).toContain('insecure-http');
    expect(ids).not.toContain('claude-loopback');
  });

  it('takes a name under localhost for loopback, as browsers do', async () => {
    const ids = await findingIds('mcp.localhost');
    expect(ids).not.toContain('insecure-http');
    expect(ids).toContain('claude-loopback');
  });
});
