import { describe, expect, it } from 'vitest';
import { preflight, withCors } from './cors.js';

describe('withCors', () => {
  it('adds the origin and the exposed headers to a plain response', () => {
    const response = withCors(new Response('ok'));
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version');
  });

  it("merges into the server's own exposed headers and keeps its origin", () => {
    const response = withCors(
      new Response('ok', { headers: { 'access-control-allow-origin': 'https://app.example.com', 'access-control-expose-headers': 'X-Trace, mcp-session-id' } }),
    );
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('access-control-expose-headers')).toBe('X-Trace, mcp-session-id, WWW-Authenticate, MCP-Protocol-Version');
  });

  it('copies a response whose headers are immutable', async () => {
    const immutable = Response.redirect('https://example.com/', 302);
    const response = withCors(immutable);
    expect(response.status).toBe(302);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('preflight', () => {
  it('allows the methods given, the MCP headers and well-formed requested headers only', () => {
    const response = preflight(
      new Request('https://mcp.example.com/mcp', { method: 'OPTIONS', headers: { 'access-control-request-headers': 'X-Custom, bad header, authorization' } }),
      ['GET', 'POST'],
    );
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID, X-Custom');
    // The answer depends on the headers asked for: caches must key on them.
    expect(response.headers.get('vary')).toBe('Access-Control-Request-Headers');
  });
});
