import { describe, expect, it } from 'vitest';
import { InvalidRequestError, RequestTooLargeError } from '../errors.js';
import { jsonOfBytes, readCapped, readJsonBody } from './read-body.js';

const message = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_file' } };

function post(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request('http://localhost/mcp', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

async function compressed(text: string, format: CompressionFormat): Promise<ArrayBuffer> {
  return new Response(new Blob([text]).stream().pipeThrough(new CompressionStream(format))).arrayBuffer();
}

describe('readJsonBody', () => {
  it('parses the body of a clone and leaves the request readable', async () => {
    const request = post(JSON.stringify(message));
    expect(await readJsonBody(request)).toEqual(message);
    expect(await request.json()).toEqual(message);
  });

  it('resolves to undefined for GET, no body, and bodies that are not JSON', async () => {
    expect(await readJsonBody(new Request('http://localhost/mcp'))).toBeUndefined();
    expect(await readJsonBody(post(null))).toBeUndefined();
    expect(await readJsonBody(post('{"method": "tools/call"'))).toBeUndefined();
  });

  it('decodes gzip and deflate bodies', async () => {
    for (const format of ['gzip', 'deflate'] as const) {
      const request = post(await compressed(JSON.stringify(message), format), { 'content-encoding': format });
      expect(await readJsonBody(request)).toEqual(message);
    }
  });

  it('leaves a corrupt gzip body to the server', async () => {
    expect(await readJsonBody(post('not gzip at all', { 'content-encoding': 'gzip' }))).toBeUndefined();
  });

  it('decodes invalid UTF-8 leniently, as servers do, so a stray byte cannot hide a call', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"method":"tools/call","x":"'), 0xff, ...new TextEncoder().encode('"}')]);
    expect(await readJsonBody(post(bytes))).toMatchObject({ method: 'tools/call' });
  });

  it('honours a UTF-16 charset', async () => {
    const text = JSON.stringify(message);
    const utf16 = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) utf16[i * 2] = text.charCodeAt(i);
    expect(await readJsonBody(post(utf16, { 'content-type': 'application/json; charset=utf-16le' }))).toEqual(message);
  });

  it.each([
    ['by Content-Length', () => post('{}', { 'content-length': String(10 * 1024 * 1024) })],
    ['once read', () => post(JSON.stringify({ pad: 'x'.repeat(2048) }))],
  ])('refuses a body too large %s with 413', async (_name, make) => {
    const error = await readJsonBody(make(), 1024).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RequestTooLargeError);
    expect([(error as RequestTooLargeError).status, (error as RequestTooLargeError).code]).toEqual([413, 'ERR_REQUEST_BODY_TOO_LARGE']);
  });

  it.each([
    ['compressed with an unknown encoding', () => post('{}', { 'content-encoding': 'br' })],
    ['in an unknown charset', () => post('{}', { 'content-type': 'application/json; charset=x-unknown' })],
  ])('refuses a body %s', async (_name, make) => {
    const error = await readJsonBody(make(), 1024).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).code).toBe('ERR_REQUEST_BODY_UNCHECKABLE');
  });

  it('refuses a body that was already consumed', async () => {
    const request = post(JSON.stringify(message));
    await request.text();
    await expect(readJsonBody(request)).rejects.toThrow(/already consumed/);
  });

  it('stops a gzip bomb at the limit', async () => {
    const bomb = await compressed(JSON.stringify({ pad: '0'.repeat(1024 * 1024) }), 'gzip');
    expect(bomb.byteLength).toBeLessThan(4096);
    await expect(readJsonBody(post(bomb, { 'content-encoding': 'gzip' }), 64 * 1024)).rejects.toThrow(/larger than/);
  });
});

describe('jsonOfBytes', () => {
  it('parses plain JSON, decodes a compressed body as readJsonBody does, and refuses what it refuses', async () => {
    const json = JSON.stringify(message);
    expect(await jsonOfBytes(new TextEncoder().encode(json), new Headers())).toEqual(message);
    const gzip = new Uint8Array(await compressed(json, 'gzip'));
    expect(await jsonOfBytes(gzip, new Headers({ 'content-encoding': 'gzip' }))).toEqual(message);
    await expect(jsonOfBytes(new Uint8Array([1, 2, 3]), new Headers({ 'content-encoding': 'br' }))).rejects.toBeInstanceOf(InvalidRequestError);
    expect(await jsonOfBytes(new Uint8Array(), new Headers())).toBeUndefined();
  });
});

describe('readCapped', () => {
  it('returns the bytes under the limit and null over it', async () => {
    expect(await readCapped(new Blob(['abc']).stream(), 3)).toEqual(new TextEncoder().encode('abc'));
    expect(await readCapped(new Blob(['abcd']).stream(), 3)).toBeNull();
  });
});
