import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { protectedResourceMetadataPaths, protectedResourceMetadataUrl, publicOrigin, resourceUri, resourceUrls } from './resource.js';

const issuer = 'https://idp.example.com';

function request(url: string, headers: Record<string, string> = {}): Request {
  return new Request(url, { headers });
}

describe('resourceUri with publicUrl', () => {
  const config = resolveConfig({ issuer, publicUrl: 'https://mcp.example.com/' });

  it('is publicUrl + path, without trailing slash', () => {
    expect(resourceUri(request('http://10.0.0.5:3000/mcp'), config)).toBe('https://mcp.example.com/mcp');
    expect(protectedResourceMetadataUrl(request('http://10.0.0.5:3000/mcp'), config)).toBe(
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    );
  });

  it('ignores a forged Host and forwarded headers', () => {
    const forged = request('http://evil.example/mcp', {
      host: 'evil.example',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'http',
      forwarded: 'host=evil.example;proto=http',
    });
    expect(resourceUri(forged, config)).toBe('https://mcp.example.com/mcp');
    expect(publicOrigin(forged, config)).toBe('https://mcp.example.com');
  });

  it('keeps a base path of publicUrl and removes a trailing slash of the endpoint', () => {
    const based = resolveConfig({ issuer, publicUrl: 'https://example.com/tools/', path: '/mcp/' });
    expect(resourceUri(request('http://127.0.0.1/mcp/'), based)).toBe('https://example.com/tools/mcp');
    expect(protectedResourceMetadataUrl(request('http://127.0.0.1/mcp/'), based)).toBe(
      'https://example.com/.well-known/oauth-protected-resource/tools/mcp',
    );
    expect(protectedResourceMetadataPaths(based)).toEqual([
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource/tools/mcp',
    ]);
  });

  it('gives the origin itself when the endpoint is the root', () => {
    const root = resolveConfig({ issuer, publicUrl: 'https://mcp.example.com', path: '/' });
    expect(resourceUri(request('http://127.0.0.1/'), root)).toBe('https://mcp.example.com');
    expect(protectedResourceMetadataUrl(request('http://127.0.0.1/'), root)).toBe('https://mcp.example.com/.well-known/oauth-protected-resource');
  });

  it('drops default ports', () => {
    const withPort = resolveConfig({ issuer, publicUrl: 'https://mcp.example.com:443' });
    expect(resourceUri(request('http://127.0.0.1/mcp'), withPort)).toBe('https://mcp.example.com/mcp');
  });
});

describe('resourceUri with forwarded headers', () => {
  const forged = { host: 'evil.example', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'evil.example', forwarded: 'proto=http;host=evil.example' };

  it.each([false, true])('ignores them, trustProxy %s: the URLs come from publicUrl only', (trustProxy) => {
    const config = resolveConfig({ issuer, publicUrl: 'https://mcp.example.com', trustProxy });
    expect(resourceUrls(request('http://10.0.0.5:3000/mcp', forged), config)).toMatchObject({
      resource: 'https://mcp.example.com/mcp',
      metadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    });
    expect(publicOrigin(request('http://evil.example/mcp', forged), config)).toBe('https://mcp.example.com');
  });
});
