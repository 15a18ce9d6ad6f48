import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { isEndpointPath, pathnameOf } from './endpoint.js';

const config = resolveConfig({ issuer: 'https://idp.example.com', publicUrl: 'https://mcp.example.com' });

describe('isEndpointPath', () => {
  it.each(['/mcp', '/mcp/', '/mcp/sse', '/MCP', '//mcp', '/%6Dcp', '/%6dcp/'])('protects %s', (path) => {
    expect(isEndpointPath(path, config)).toBe(true);
  });

  it.each(['/', '/mcpx', '/healthz', '/.well-known/oauth-protected-resource/mcp', '/m/cp'])('does not protect %s', (path) => {
    expect(isEndpointPath(path, config)).toBe(false);
  });

  it('protects everything when the endpoint is the root', () => {
    const root = resolveConfig({ issuer: 'https://idp.example.com', publicUrl: 'https://mcp.example.com', path: '/' });
    expect(isEndpointPath('/anything', root)).toBe(true);
  });
});

describe('pathnameOf', () => {
  it('gives the pathname the URL parser gives, fast path or not', () => {
    const urls = [
      'https://mcp.example.com/mcp', 'https://mcp.example.com/mcp?x=1', 'https://mcp.example.com', 'https://mcp.example.com?x',
      'http://[::1]:8080/MCP/', 'https://mcp.example.com/a/../mcp', 'https://mcp.example.com/%6Dcp', 'https://mcp.example.com//mcp',
      'https://mcp.example.com/a\\mcp', 'https://mcp.example.com/m cp', 'https://mcp.example.com/mcp#x', 'HTTPS://MCP.example.com/mcp',
      'https://user@mcp.example.com/mcp', 'urn:example:mcp', 'https://mcp.example.com/é', 'http://h//a//b?x', 'https://h/a//..//mcp',
      'https://mcp.example.com/m\tcp', 'https://mcp.example.com/mcp ', 'https://mcp.example.com/.%2e/mcp',
    ];
    for (const url of urls) expect({ url, pathname: pathnameOf(url) }).toEqual({ url, pathname: new URL(url).pathname });
  });
});
