import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { isEndpointPath } from './endpoint.js';

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
