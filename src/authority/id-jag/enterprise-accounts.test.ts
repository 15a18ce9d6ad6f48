import type { FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { withEnterpriseAccounts } from './enterprise-accounts.js';

const ctx = {} as KoaContextWithOIDC;
const local: FindAccount = (_ctx, sub) => (sub === 'alice' ? { accountId: 'alice', claims: () => ({ sub: 'alice', name: 'Alice' }) } : undefined);
const findAccount = withEnterpriseAccounts(local);
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

describe('withEnterpriseAccounts', () => {
  it('answers the enterprise user of an ID-JAG grant’s refresh token, first or rotated, with sub only', async () => {
    for (const gty of [JWT_BEARER, `${JWT_BEARER} refresh_token`]) {
      const account = await findAccount(ctx, 'https://idp.example#bob', { gty } as never);
      expect(account?.accountId).toBe('https://idp.example#bob');
      expect(await account?.claims('id_token', 'openid', {}, [])).toEqual({ sub: 'https://idp.example#bob' });
    }
  });

  it('leaves every other lookup to the local accounts: a session, a code, a local refresh token', async () => {
    expect(await findAccount(ctx, 'https://idp.example#bob', undefined)).toBeUndefined();
    expect(await findAccount(ctx, 'https://idp.example#bob', { gty: 'authorization_code' } as never)).toBeUndefined();
    expect(await findAccount(ctx, 'https://idp.example#bob', { gty: 'authorization_code refresh_token' } as never)).toBeUndefined();
    // A gty that merely mentions the grant is not one of its tokens.
    expect(await findAccount(ctx, 'mallory', { gty: `refresh_token ${JWT_BEARER}` } as never)).toBeUndefined();
    expect((await findAccount(ctx, 'alice', { gty: 'authorization_code' } as never))?.accountId).toBe('alice');
  });
});
