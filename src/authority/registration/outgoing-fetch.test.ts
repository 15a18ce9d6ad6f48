/**
 * The authority's size limit on documents it fetches (client metadata
 * documents), at its edge: exactly `authority.cimd.maxBytes` is read, one
 * byte more is refused, whether the server announces the length or streams
 * the body chunked. Mutation testing found `>` could become `>=` unnoticed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/resolve.js';
import { outgoingFetch } from './outgoing-fetch.js';

const MAX = 512;
let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const size = Number(url.searchParams.get('size'));
    const body = Buffer.alloc(size, 'a');
    if (url.pathname === '/announced') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(size) }).end(body);
      return;
    }
    // Chunked: no Content-Length, the limit is counted while reading.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(body.subarray(0, 100));
    res.end(body.subarray(100));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

const fetchForAuthority = () =>
  outgoingFetch(resolveConfig({ publicUrl: 'http://localhost:3000', authority: { cimd: { maxBytes: MAX, allowPrivateAddresses: true } } }));

describe('outgoingFetch: the body size limit', () => {
  it.each(['announced', 'chunked'])('reads a body of exactly maxBytes (%s)', async (how) => {
    const response = await fetchForAuthority()(`${origin}/${how}?size=${MAX}`, { method: 'GET' });
    expect((await response.arrayBuffer()).byteLength).toBe(MAX);
  });

  it.each(['announced', 'chunked'])('refuses a body one byte over, naming the setting (%s)', async (how) => {
    const read = async () => (await fetchForAuthority()(`${origin}/${how}?size=${MAX + 1}`, { method: 'GET' })).arrayBuffer();
    await expect(read()).rejects.toThrow(/larger than 512 bytes \(authority\.cimd\.maxBytes\)/);
  });
});
