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

describe('resourceUri behind a trusted proxy', () => {
  const config = resolveConfig({ issuer, trustProxy: true });

  it('reads X-Forwarded-Proto and X-Forwarded-Host, first value of a list', () => {
    const req = request('http://10.0.0.5:3000/mcp', {
      'x-forwarded-proto': 'https, http',
      'x-forwarded-host': 'mcp.example.com, internal.lan',
    });
    expect(resourceUri(req, config)).toBe('https://mcp.example.com/mcp');
  });

  it('gives both URLs from each request\'s own headers, not from an earlier request to the same config', () => {
    const first = resourceUrls(request('http://10.0.0.5:3000/mcp', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'a.example.com' }), config);
    const second = resourceUrls(request('http://10.0.0.5:3000/mcp', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'b.example.com' }), config);
    expect(first).toMatchObject({ resource: 'https://a.example.com/mcp', metadata: 'https://a.example.com/.well-known/oauth-protected-resource/mcp' });
    expect(second).toMatchObject({ resource: 'https://b.example.com/mcp', metadata: 'https://b.example.com/.well-known/oauth-protected-resource/mcp' });
  });

  it('reads the Forwarded header', () => {
    const req = request('http://10.0.0.5:3000/mcp', { forwarded: 'for=192.0.2.60;proto=https;host="mcp.example.com:8443", for=10.0.0.1' });
    expect(resourceUri(req, config)).toBe('https://mcp.example.com:8443/mcp');
  });

  it('falls back to the request URL', () => {
    expect(resourceUri(request('http://localhost:3000/mcp'), config)).toBe('http://localhost:3000/mcp');
  });

  it('refuses a forwarded host that could smuggle a path or credentials', () => {
    for (const host of ['evil.example/path', 'user@evil.example', 'evil.example?x', 'a b']) {
      const req = request('http://localhost:3000/mcp', { 'x-forwarded-host': host, 'x-forwarded-proto': 'https' });
      expect(resourceUri(req, config)).toBe('http://localhost:3000/mcp');
    }
  });

  it('refuses a forwarded proto other than http or https', () => {
    const req = request('http://localhost:3000/mcp', { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'mcp.example.com' });
    expect(resourceUri(req, config)).toBe('http://localhost:3000/mcp');
  });
});
