import { describe, expect, it } from 'vitest';
import { claimsToAuthInfo } from './claims.js';

const RESOURCE = 'https://mcp.example.com/mcp';

describe('claimsToAuthInfo', () => {
  it.each([
    ['client_id (RFC 9068)', { client_id: 'a', azp: 'b' }, 'a'],
    ['azp (OIDC, Auth0, Keycloak)', { azp: 'b', cid: 'c' }, 'b'],
    ['cid (Okta)', { cid: 'c', sub: 'u' }, 'c'],
    ['appid (Entra ID v1)', { appid: 'd', sub: 'u' }, 'd'],
    ['sub when no client claim', { sub: 'machine' }, 'machine'],
    ['empty string when nothing', {}, ''],
  ])('takes the client id from %s', (_, claims, clientId) => {
    expect(claimsToAuthInfo('t', claims, RESOURCE).clientId).toBe(clientId);
  });

  it.each([
    ['a space-separated scope', { scope: 'read  write\tadmin' }, ['read', 'write', 'admin']],
    ['a scope array', { scope: ['read', 'write'] }, ['read', 'write']],
    ['an scp string (Entra)', { scp: 'Files.Read User.Read' }, ['Files.Read', 'User.Read']],
    ['an scp array (Okta)', { scp: ['openid', 'mcp'] }, ['openid', 'mcp']],
    ['scope before scp', { scope: 'a', scp: ['b'] }, ['a']],
    ['no scope at all', {}, []],
    ['junk entries dropped', { scp: ['ok', 3, null, ''] }, ['ok']],
  ])('reads scopes from %s', (_, claims, scopes) => {
    expect(claimsToAuthInfo('t', claims as Record<string, unknown>, RESOURCE).scopes).toEqual(scopes);
  });

  it('splits a scope string on any whitespace, as /\\s+/ does, whichever way it takes (spaces only, or other whitespace and non-ASCII)', () => {
    const scopes = [
      'a b', ' a  b ', '   ', '', 'mcp:tools files:read', 'a\tb', 'a\nb\r\nc', 'a\u000bb\u000cc', 'a\u00a0b', 'a\u3000b', 'a\u2028b\ufeffc',
      'caf\u00e9 th\u00e9', 'a\u0085b', 'a\u007fb c', 'a\u0000b c', 'x'.repeat(300),
    ];
    for (const scope of scopes) {
      expect(claimsToAuthInfo('t', { scope }, RESOURCE).scopes, JSON.stringify(scope)).toEqual(scope.split(/\s+/).filter(Boolean));
    }
  });

  it('fills expiresAt, resource and extra', () => {
    const claims = { sub: 'u1', iss: 'https://idp.example.com', aud: ['x', 'y'], exp: 1767225600, client_id: 'c' };
    const info = claimsToAuthInfo('tok', claims, RESOURCE);
    expect(info).toEqual({
      token: 'tok',
      clientId: 'c',
      scopes: [],
      expiresAt: 1767225600,
      resource: new URL(RESOURCE),
      extra: { sub: 'u1', iss: 'https://idp.example.com', aud: ['x', 'y'], claims },
    });
  });

  it('leaves expiresAt out when exp is not a number', () => {
    expect(claimsToAuthInfo('t', { exp: 'soon' }, RESOURCE)).not.toHaveProperty('expiresAt');
  });
});
