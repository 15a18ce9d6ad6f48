import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { protectedResourceMetadata, supportedScopes } from './protected-resource.js';

const base = { issuer: 'https://idp.example.com/realms/main/', publicUrl: 'https://mcp.example.com' };
const request = new Request('https://mcp.example.com/.well-known/oauth-protected-resource/mcp');

describe('supportedScopes', () => {
  it('is required ∪ tool scopes by default, without offline_access or duplicates', () => {
    const config = resolveConfig({ ...base, scopes: { required: ['mcp', 'offline_access'], tools: { a: ['files:read'], b: ['files:read', 'admin'] } } });
    expect(supportedScopes(config)).toEqual(['mcp', 'files:read', 'admin']);
  });

  it('is scopes.supported when set, still without offline_access', () => {
    const config = resolveConfig({ ...base, scopes: { required: ['mcp'], supported: ['mcp', 'profile', 'offline_access'] } });
    expect(supportedScopes(config)).toEqual(['mcp', 'profile']);
  });
});

describe('protectedResourceMetadata', () => {
  it('spells the upstream issuer as its metadata does, else as configured', () => {
    const config = resolveConfig(base);
    expect(protectedResourceMetadata(request, config, 'https://idp.example.com/realms/main').authorization_servers).toEqual([
      'https://idp.example.com/realms/main',
    ]);
    expect(protectedResourceMetadata(request, config).authorization_servers).toEqual(['https://idp.example.com/realms/main/']);
  });

  it('points at this origin when the AS metadata is mirrored', () => {
    const config = resolveConfig({ ...base, publicUrl: 'https://mcp.example.com/base/', mirrorMetadata: true });
    expect(protectedResourceMetadata(request, config, 'https://idp.example.com/realms/main')).toMatchObject({
      resource: 'https://mcp.example.com/base/mcp',
      authorization_servers: ['https://mcp.example.com'],
    });
  });
});
