import { createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import type { AuthInfo } from '../../tokens/types.js';
import { ASSERTION_TYPE, createAssertionSigner } from './assertion.js';

async function keyPair() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateJwk: { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'k1' }, publicJwk: { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'k1' } };
}

const alice: AuthInfo = { token: 'the-clients-token', clientId: 'client-1', scopes: ['mcp:tools', 'files:read'], extra: { sub: 'alice' } };

describe('createAssertionSigner', () => {
  it('signs a short-lived identity JWT for the upstream, without the client token', async () => {
    const { privateJwk, publicJwk } = await keyPair();
    const signer = await createAssertionSigner({ key: privateJwk, issuer: 'https://mcp.example.com', audience: 'http://127.0.0.1:8080/mcp', ttlSec: 60 });
    const jwt = await signer.sign(alice);
    expect(jwt).not.toContain('the-clients-token');
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet({ keys: [publicJwk] }), {
      issuer: 'https://mcp.example.com',
      audience: 'http://127.0.0.1:8080/mcp',
      typ: ASSERTION_TYPE,
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'k1', typ: 'gatehouse-identity+jwt' });
    expect(payload).toMatchObject({ sub: 'alice', client_id: 'client-1', scope: 'mcp:tools files:read' });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(typeof payload.jti).toBe('string');
  });

  it('reuses an assertion per caller, and makes another for another caller', async () => {
    const { privateJwk } = await keyPair();
    const signer = await createAssertionSigner({ key: privateJwk, issuer: 'https://mcp.example.com', audience: 'http://up/mcp' });
    const first = await signer.sign(alice);
    expect(await signer.sign({ ...alice, token: 'another-token-same-caller' })).toBe(first);
    const bob = await signer.sign({ ...alice, extra: { sub: 'bob' } });
    expect(decodeJwt(bob).sub).toBe('bob');
    const fewerScopes = await signer.sign({ ...alice, scopes: ['mcp:tools'] });
    expect(decodeJwt(fewerScopes).scope).toBe('mcp:tools');
  });

  it("answers cached() with a caller's own signed assertion only, and not past its reuse time", async () => {
    const { privateJwk } = await keyPair();
    const signer = await createAssertionSigner({ key: privateJwk, issuer: 'https://mcp.example.com', audience: 'http://up/mcp', ttlSec: 60 });
    expect(signer.cached!(alice)).toBeUndefined();
    const first = await signer.sign(alice);
    expect(signer.cached!({ ...alice, token: 'another-token-same-caller' })).toBe(first);
    // The last hit is remembered: every other caller, however close, still gets nothing (then signs its own).
    const others: AuthInfo[] = [
      { ...alice, extra: { sub: 'bob' } },
      { ...alice, extra: {} },
      { ...alice, clientId: 'client-2' },
      { ...alice, scopes: ['mcp:tools'] },
      { ...alice, scopes: ['mcp:tools', 'files:write'] },
      { ...alice, scopes: [...alice.scopes, 'admin'] },
    ];
    for (const other of others) {
      expect(signer.cached!(other)).toBeUndefined();
      expect(signer.cached!(alice)).toBe(first);
    }
    const bob = { ...alice, extra: { sub: 'bob' } };
    const bobs = await signer.sign(bob);
    expect(signer.cached!(bob)).toBe(bobs);
    expect(signer.cached!(alice)).toBe(first);
    expect(decodeJwt(bobs).sub).toBe('bob');
    // Past half the lifetime the caller signs a fresh one.
    const later = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 31_000);
    try {
      expect(signer.cached!(alice)).toBeUndefined();
      expect(signer.cached!(bob)).toBeUndefined();
    } finally {
      later.mockRestore();
    }
  });

  it('leaves sub out for a token without one (client credentials)', async () => {
    const { privateJwk } = await keyPair();
    const signer = await createAssertionSigner({ key: privateJwk, issuer: 'https://mcp.example.com', audience: 'http://up/mcp' });
    const payload = decodeJwt(await signer.sign({ token: 't', clientId: 'machine', scopes: [] }));
    expect(payload.sub).toBeUndefined();
    expect(payload.client_id).toBe('machine');
  });

  it('refuses a key without alg or kid', async () => {
    const { privateJwk } = await keyPair();
    await expect(createAssertionSigner({ key: { ...privateJwk, kid: undefined }, issuer: 'https://x', audience: 'http://y' })).rejects.toThrow(TypeError);
  });
});
