import { describe, expect, it } from 'vitest';
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError, MissingTokenError } from '../errors.js';
import { buildChallenge, challengeResponse, challengeScopes } from './challenge.js';

const resourceMetadata = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

/** Parses a Bearer challenge the way the MCP SDK client does: one regex per parameter. */
function param(header: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`).exec(header)?.[1];
}

describe('buildChallenge', () => {
  it('points at the PRM and names no error for a missing token', () => {
    const header = buildChallenge({ resourceMetadata, error: new MissingTokenError() });
    expect(header).toBe(`Bearer resource_metadata="${resourceMetadata}"`);
  });

  it('adds the required scopes, never offline_access', () => {
    const header = buildChallenge({ resourceMetadata, scopes: ['mcp', 'offline_access', 'files:read', 'mcp'] });
    expect(header).toBe(`Bearer resource_metadata="${resourceMetadata}", scope="mcp files:read"`);
  });

  it('adds error and error_description for a bad token', () => {
    const header = buildChallenge({ resourceMetadata, scopes: ['mcp'], error: new InvalidTokenError('ERR_JWT_EXPIRED', 'The token expired at 2026-01-01T00:00:00Z') });
    expect(header.startsWith('Bearer ')).toBe(true);
    expect(param(header, 'resource_metadata')).toBe(resourceMetadata);
    expect(param(header, 'scope')).toBe('mcp');
    expect(param(header, 'error')).toBe('invalid_token');
    expect(param(header, 'error_description')).toBe('The token expired at 2026-01-01T00:00:00Z');
  });

  it('asks for every scope of an insufficient_scope error, not the required ones', () => {
    const error = new InsufficientScopeError('Tool rm needs files:write', ['mcp', 'files:write', 'offline_access']);
    const header = buildChallenge({ resourceMetadata, scopes: ['mcp'], error });
    expect(param(header, 'error')).toBe('insufficient_scope');
    expect(param(header, 'scope')).toBe('mcp files:write');
  });

  it('keeps quotes, backslashes, control and non-ASCII characters out of quoted values', () => {
    const error = new InvalidTokenError('ERR_JWT_ISSUER_MISMATCH', 'expected "a\\b"\r\nX-Injected: 1 — é');
    const header = buildChallenge({ resourceMetadata, error });
    const description = /error_description="(.*)"$/.exec(header)?.[1] ?? '';
    expect(description).not.toMatch(/["\\\r\n]/);
    expect(description).toMatch(/^[\x20-\x7E]*$/);
    expect(description).toContain("expected 'a/b'");
    expect(() => new Headers({ 'www-authenticate': header })).not.toThrow();
  });

  it('cuts an overlong description', () => {
    const header = buildChallenge({ resourceMetadata, error: new InvalidTokenError('ERR_JWT_CLAIM_INVALID', 'x'.repeat(5000)) });
    expect(param(header, 'error_description')!.length).toBeLessThanOrEqual(400);
  });
});

describe('challengeScopes', () => {
  it('drops offline_access, duplicates and strings that are not scope tokens', () => {
    expect(challengeScopes(['a', 'offline_access', 'a', 'b c', 'd"', ''])).toEqual(['a']);
  });
});

describe('challengeResponse', () => {
  it('is a 401 with JSON body, no-store and CORS that exposes WWW-Authenticate', async () => {
    const response = challengeResponse(new InvalidTokenError('ERR_JWT_EXPIRED', 'The token has expired'), { resourceMetadata, scopes: ['mcp'] });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
    expect(response.headers.get('access-control-expose-headers')).toContain('Mcp-Session-Id');
    expect(await response.json()).toEqual({ error: 'invalid_token', error_description: 'The token has expired' });
  });

  it('is a 400 invalid_request for a malformed request, still pointing at the PRM', async () => {
    const response = challengeResponse(new InvalidRequestError('ERR_AUTHORIZATION_HEADER_DUPLICATE', 'Send exactly one Authorization header'), { resourceMetadata });
    expect(response.status).toBe(400);
    const header = response.headers.get('www-authenticate')!;
    expect(param(header, 'error')).toBe('invalid_request');
    expect(param(header, 'resource_metadata')).toBe(resourceMetadata);
  });

  it('is a 403 for insufficient scope', async () => {
    const response = challengeResponse(new InsufficientScopeError('needs more', ['mcp', 'files:write']), { resourceMetadata, scopes: ['mcp'] });
    expect(response.status).toBe(403);
    expect((await response.json()).error).toBe('insufficient_scope');
  });

  it('gives a missing token a body without an OAuth error code', async () => {
    const response = challengeResponse(new MissingTokenError(), { resourceMetadata });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).not.toContain('error=');
    expect((await response.json()).error).toBe('unauthorized');
  });
});
