import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import type { AuthorizationServerMetadata } from '../discovery/types.js';
import { mirrorAuthorizationServerMetadata } from './authorization-server.js';

const upstream: AuthorizationServerMetadata = {
  issuer: 'https://idp.example.com/realms/main',
  authorization_endpoint: 'https://idp.example.com/realms/main/auth',
  token_endpoint: 'https://idp.example.com/realms/main/token',
  jwks_uri: 'https://idp.example.com/realms/main/certs',
  response_types_supported: ['code', 'id_token'],
  code_challenge_methods_supported: ['plain', 'S256'],
  token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
  subject_types_supported: ['public'],
};
const request = new Request('https://mcp.example.com/.well-known/oauth-authorization-server');
const config = (registration?: { clientId: string }) =>
  resolveConfig({ issuer: upstream.issuer!, publicUrl: 'https://mcp.example.com', mirrorMetadata: true, registration });

describe('mirrorAuthorizationServerMetadata', () => {
  it('keeps what the upstream already says right and every unknown field', () => {
    const mirror = mirrorAuthorizationServerMetadata(upstream, request, config());
    expect(mirror).toEqual({ ...upstream, issuer: 'https://mcp.example.com' });
  });

  it('adds the façade and the public-client auth method when a client is pre-registered', () => {
    const mirror = mirrorAuthorizationServerMetadata(upstream, request, config({ clientId: 'pub' }));
    expect(mirror.registration_endpoint).toBe('https://mcp.example.com/register');
    expect(mirror.token_endpoint_auth_methods_supported).toEqual(['client_secret_post', 'private_key_jwt', 'none']);
  });

  it('keeps an upstream registration endpoint', () => {
    const withDcr = { ...upstream, registration_endpoint: 'https://idp.example.com/register' };
    const mirror = mirrorAuthorizationServerMetadata(withDcr, request, config({ clientId: 'pub' }));
    expect(mirror.registration_endpoint).toBe('https://idp.example.com/register');
    expect(mirror.token_endpoint_auth_methods_supported).toEqual(['client_secret_post', 'private_key_jwt']);
  });

  it('does not change the upstream object', () => {
    const copy = structuredClone(upstream);
    mirrorAuthorizationServerMetadata(upstream, request, config({ clientId: 'pub' }));
    expect(upstream).toEqual(copy);
  });
});
