import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, isAuthorityCookie, plainHeaderValue, upstreamRequestHeaders, withoutAuthorityCookies } from './headers.js';

describe('upstreamRequestHeaders', () => {
  const forwarded = { proto: 'https', host: 'mcp.example.com', clientAddress: '203.0.113.7' };

  it("drops the client's token, hop-by-hop headers and those named in Connection", () => {
    const out = upstreamRequestHeaders(
      {
        authorization: 'Bearer secret',
        connection: 'keep-alive, x-hop',
        'x-hop': '1',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'proxy-authorization': 'Basic x',
        te: 'trailers',
        upgrade: 'h2c',
        'content-type': 'application/json',
        'mcp-session-id': 'abc',
        'mcp-protocol-version': '2025-06-18',
        'last-event-id': '42',
        accept: 'application/json, text/event-stream',
      },
      '127.0.0.1:8080',
      forwarded,
    );
    expect(out).toEqual({
      'content-type': 'application/json',
      'mcp-session-id': 'abc',
      'mcp-protocol-version': '2025-06-18',
      'last-event-id': '42',
      accept: 'application/json, text/event-stream',
      host: '127.0.0.1:8080',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'mcp.example.com',
      'x-forwarded-for': '203.0.113.7',
    });
  });

  it('drops every X-Gatehouse-* header a client sends, and forwarding headers it made up', () => {
    const out = upstreamRequestHeaders(
      { 'x-gatehouse-subject': 'mallory', 'x-gatehouse-assertion': 'forged', 'X-Gatehouse-Other': 'x', 'x-forwarded-for': '10.0.0.1', forwarded: 'for=1.2.3.4' },
      'up:1',
      forwarded,
    );
    expect(Object.keys(out).filter((name) => name.toLowerCase().startsWith('x-gatehouse-'))).toEqual([]);
    expect(out['x-forwarded-for']).toBe('203.0.113.7');
    expect(out.forwarded).toBeUndefined();
  });

  it("keeps the client's cookies but not the authority's", () => {
    expect(upstreamRequestHeaders({ cookie: 'gatehouse.session=s; a=1; gatehouse.session.sig=x' }, 'up:1', forwarded).cookie).toBe('a=1');
    expect(upstreamRequestHeaders({ cookie: '__Host-gatehouse.session=s; GateHouse.Resume=r; gatehousefan=1' }, 'up:1', forwarded).cookie).toBe('gatehousefan=1');
    expect(upstreamRequestHeaders({ cookie: 'gatehouse.interaction=i' }, 'up:1', forwarded).cookie).toBeUndefined();
  });
});

describe('clientResponseHeaders', () => {
  it("keeps the upstream's MCP headers, drops its hop-by-hop, CORS and challenge headers", () => {
    const out = clientResponseHeaders({
      'content-type': 'text/event-stream',
      'mcp-session-id': 'abc',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'access-control-allow-origin': 'https://evil.example',
      'www-authenticate': 'Bearer realm="upstream"',
      'set-cookie': ['a=1', 'b=2'],
    });
    expect(out).toEqual({ 'content-type': 'text/event-stream', 'mcp-session-id': 'abc', 'cache-control': 'no-cache', 'set-cookie': ['a=1', 'b=2'] });
  });
});

describe("the authority's cookies in the upstream's Set-Cookie", () => {
  it('are dropped whatever their case or __Host-/__Secure- prefix; other cookies pass', () => {
    const out = clientResponseHeaders({
      'set-cookie': [
        'gatehouse.session=planted; Path=/; HttpOnly',
        'GATEHOUSE.interaction=x',
        'gatehouse.session.sig=y',
        '__Host-gatehouse.session=z; Secure; Path=/',
        '__secure-Gatehouse.resume=w; Secure',
        ' gatehouse.session =spaced',
        'theme=dark; Path=/',
        'gatehousefan=1',
      ],
    });
    expect(out['set-cookie']).toEqual(['theme=dark; Path=/', 'gatehousefan=1']);
    expect(clientResponseHeaders({ 'set-cookie': ['gatehouse.session=only'] })).toEqual({});
  });
});

describe('withoutAuthorityCookies and plainHeaderValue', () => {
  it('names the authority cookies only', () => {
    expect(['gatehouse.session', '__HOST-gatehouse.interaction', 'gatehouse', 'theme', 'my.gatehouse.session', '__Host-theme'].map(isAuthorityCookie)).toEqual([true, true, true, false, false, false]);
  });

  it('returns undefined for nothing left', () => {
    expect(withoutAuthorityCookies(undefined)).toBeUndefined();
    expect(withoutAuthorityCookies(' ; ')).toBeUndefined();
  });

  it('refuses values that would break or smuggle a header', () => {
    expect(plainHeaderValue('alice@example.com')).toBe('alice@example.com');
    expect(plainHeaderValue('a\r\nx-evil: 1')).toBeUndefined();
    expect(plainHeaderValue('zoë')).toBeUndefined();
  });
});
