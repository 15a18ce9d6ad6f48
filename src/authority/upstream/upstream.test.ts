import { describe, expect, it } from 'vitest';
import { upstreamSchema } from '../../config/sections/upstream.js';
import { refusalOf } from './allow-list.js';
import { identityFromClaims } from './identity.js';
import { open, seal, sealingKey } from './seal.js';

const config = (over: Record<string, unknown> = {}) => upstreamSchema.parse({ issuer: 'https://idp.example.com', clientId: 'gh', ...over });

describe('sealed upstream tokens', () => {
  const key = sealingKey('a secret of at least thirty-two characters!');

  it('open with the same key and record id only', () => {
    const sealed = seal(key, 'grant-1', { accessToken: 'upstream-token' });
    expect(sealed).not.toContain('upstream-token');
    expect(open(key, 'grant-1', sealed)).toEqual({ accessToken: 'upstream-token' });
    expect(open(key, 'grant-2', sealed)).toBeUndefined();
    expect(open(sealingKey('another secret of at least thirty-two chars'), 'grant-1', sealed)).toBeUndefined();
    const [v, iv, body, tag] = sealed.split('.');
    const flipped = `${v}.${iv}.${body!.slice(0, -2)}${body!.endsWith('A') ? 'B' : 'A'}${body!.slice(-1)}.${tag}`;
    expect(open(key, 'grant-1', flipped)).toBeUndefined();
  });

  it('uses a fresh IV each time', () => {
    expect(seal(key, 'g', 1)).not.toBe(seal(key, 'g', 1));
  });
});

describe('claims and the allow-list', () => {
  it('namespaces sub by provider and trusts only verified addresses', () => {
    const identity = identityFromClaims(config(), { sub: '42', email: 'ada@example.com', email_verified: false });
    expect(identity).toMatchObject({ sub: 'oidc|42', emailVerified: false });
    const withDomains = config({ allowed: { domains: ['example.com'] } });
    expect(refusalOf(withDomains, identity)?.reason).toContain('not verified');
    expect(refusalOf(withDomains, { ...identity, emailVerified: true })).toBeUndefined();
  });

  it('Entra: oid is the id, xms_edov says whether the address is verified', () => {
    const entra = config({ provider: 'entra', issuer: 'https://login.microsoftonline.com/t/v2.0' });
    expect(identityFromClaims(entra, { sub: 'pairwise', oid: 'guid', email: 'a@b.c', email_verified: true })).toMatchObject({ sub: 'entra|guid', emailVerified: false });
    expect(() => identityFromClaims(entra, { sub: 'pairwise' })).toThrow(/oid/);
  });

  it('Google: a domain needs the account to be of that Workspace (hd)', () => {
    const google = config({ provider: 'google', issuer: 'https://accounts.google.com', allowed: { domains: ['example.com'] } });
    const personal = identityFromClaims(google, { sub: '1', email: 'ada@example.com', email_verified: true });
    expect(refusalOf(google, personal)).toBeDefined();
    expect(refusalOf(google, { ...personal, hostedDomain: 'example.com' })).toBeUndefined();
  });

  it('groups and addresses: any rule lets a user in', () => {
    const rules = config({ allowed: { emails: ['Boss@Example.com'], groups: ['engineering'] } });
    expect(refusalOf(rules, { sub: 'oidc|1', groups: ['Engineering'], emailVerified: false })).toBeUndefined();
    expect(refusalOf(rules, { sub: 'oidc|2', groups: [], email: 'boss@example.com', emailVerified: true })).toBeUndefined();
    expect(refusalOf(rules, { sub: 'oidc|3', groups: ['sales'], emailVerified: false })?.reason).toContain('membership of engineering');
  });
});
