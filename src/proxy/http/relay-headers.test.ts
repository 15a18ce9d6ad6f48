import { ServerResponse, type IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { upstreamRequestHeaders } from './headers.js';
import { applyResponseHeaders, readResponseHeaders, upstreamHeaderList } from './relay-headers.js';

const forwarded = { proto: 'https', host: 'mcp.example.com', clientAddress: '203.0.113.9' };

/** What a flat list says, as the upstream's node:http would read it (repeats joined). */
function asObject(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) out[list[i]!] = out[list[i]!] === undefined ? list[i + 1]! : `${out[list[i]!]}, ${list[i + 1]}`;
  return out;
}

const hostile: IncomingHttpHeaders = {
  host: 'mcp.example.com',
  authorization: 'Bearer the-clients-token',
  'proxy-authorization': 'Basic x',
  connection: 'keep-alive, x-hop',
  'x-hop': 'dropped',
  'keep-alive': 'timeout=5',
  te: 'trailers',
  'transfer-encoding': 'chunked',
  upgrade: 'websocket',
  expect: '100-continue',
  'content-length': '999',
  forwarded: 'for=1.2.3.4',
  'x-forwarded-for': '1.2.3.4',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'http',
  'x-gatehouse-subject': 'admin',
  'x-gatehouse-assertion': 'forged',
  'X-Gatehouse-Scopes': 'everything',
  'x-request-id': 'client-chosen',
  cookie: 'gatehouse.session=s; theme=dark; __Host-gatehouse.resume=r',
  'mcp-session-id': 'sess-1',
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'x-many': ['a', 'b'],
};

describe('upstreamHeaderList', () => {
  it("never passes on the client's token, hop-by-hop headers, spoofed identity or forwarding headers, or a client request id", () => {
    const sent = asObject(upstreamHeaderList(hostile, 'up:8080', forwarded, 'gatehouse-id'));
    expect(sent).toEqual({
      cookie: 'theme=dark',
      'mcp-session-id': 'sess-1',
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'x-many': 'a, b',
      host: 'up:8080',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'mcp.example.com',
      'x-forwarded-for': '203.0.113.9',
      'x-request-id': 'gatehouse-id',
    });
    expect(asObject(upstreamHeaderList(hostile, 'up:8080', forwarded, undefined))['x-request-id']).toBeUndefined();
  });

  it('sends what upstreamRequestHeaders sends, but for the request id', () => {
    const inputs: IncomingHttpHeaders[] = [hostile, {}, { connection: 'close', accept: '*/*' }, { cookie: 'gatehouse.session=only' }, { 'X-Custom': 'Kept', 'x-request-id': 'r' }];
    for (const incoming of inputs) {
      const { 'x-request-id': _dropped, ...expected } = upstreamRequestHeaders(incoming, 'up:1', forwarded);
      const flattened = Object.fromEntries(Object.entries(expected).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]));
      expect(asObject(upstreamHeaderList(incoming, 'up:1', forwarded, undefined))).toEqual(flattened);
    }
  });
});

function response(): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  res.setHeader('x-request-id', 'gatehouse-id');
  return res;
}

function raw(pairs: [string, string][]): Buffer[] {
  return pairs.flat().map((part) => Buffer.from(part, 'latin1'));
}

describe('readResponseHeaders and applyResponseHeaders', () => {
  it("relay the upstream's headers less hop-by-hop ones, its CORS, its challenge and the authority's cookies", () => {
    const upstream = readResponseHeaders(
      raw([
        ['Content-Type', 'text/event-stream; charset=utf-8'],
        ['Connection', 'x-private'],
        ['x-private', 'dropped'],
        ['keep-alive', 'timeout=5'],
        ['transfer-encoding', 'chunked'],
        ['access-control-allow-origin', '*'],
        ['www-authenticate', 'Bearer'],
        ['set-cookie', 'gatehouse.session=planted'],
        ['set-cookie', 'theme=dark'],
        ['Set-Cookie', '__Host-GateHouse.resume=x'],
        ['constructor', 'kept'],
        ['x-twice', 'a'],
        ['x-twice', 'b'],
        ['x-value', 'x-twice'],
        ['mcp-session-id', 'sess-9'],
        ['x-request-id', 'upstream-id'],
      ]),
    );
    expect(upstream.sessionId).toBe('sess-9');
    expect(upstream.eventStream).toBe(true);
    const res = response();
    applyResponseHeaders(res, upstream.list);
    expect(res.getHeaders()).toEqual({
      'x-request-id': 'upstream-id',
      'content-type': 'text/event-stream; charset=utf-8',
      'set-cookie': ['theme=dark'],
      constructor: 'kept',
      'x-twice': 'a, b',
      'x-value': 'x-twice',
      'mcp-session-id': 'sess-9',
    });
  });

  it('join a repeated session id as the client sees it, and read the first content type', () => {
    const upstream = readResponseHeaders(raw([['content-type', 'application/json'], ['mcp-session-id', 'a'], ['content-type', 'text/event-stream'], ['mcp-session-id', 'b']]));
    expect(upstream.sessionId).toBe('a, b');
    expect(upstream.eventStream).toBe(false);
    expect(readResponseHeaders(raw([['x', 'y']])).sessionId).toBeUndefined();
  });
});
