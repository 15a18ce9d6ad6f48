import Provider from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import type { AuthInfo, TokenVerifier, VerifyContext } from '../tokens/types.js';
import { GRANT_CLAIM, requireLiveGrant } from './live-grants.js';

const context: VerifyContext = { audience: ['http://127.0.0.1/mcp'], resource: 'http://127.0.0.1/mcp' };

/** Stands in for the JWT check only: what is under test is the grant lookup behind it, against a real provider store. */
function tokensNaming(grantId: string): TokenVerifier {
  const info: AuthInfo = { token: 't', clientId: 'c', scopes: [], extra: { claims: { [GRANT_CLAIM]: grantId } } };
  return { verify: async () => info };
}

async function providerWithGrant(): Promise<{ provider: Provider; grantId: string }> {
  const provider = new Provider('http://127.0.0.1', { ttl: { Grant: 3600 } });
  const grant = new provider.Grant({ accountId: 'alice', clientId: 'c' });
  grant.addResourceScope('http://127.0.0.1/mcp', 'mcp:tools');
  return { provider, grantId: await grant.save() };
}

describe('requireLiveGrant', () => {
  it('refuses a token at once when its grant is destroyed in this process, though the grant was remembered', async () => {
    const { provider, grantId } = await providerWithGrant();
    const verifier = requireLiveGrant(tokensNaming(grantId), provider);
    await expect(verifier.verify('t', context)).resolves.toMatchObject({ clientId: 'c' });

    await (await provider.Grant.find(grantId))!.destroy();
    await expect(verifier.verify('t', context)).rejects.toMatchObject({ code: 'ERR_TOKEN_INACTIVE' });
  });

  it('reads the store again once the remembered answer is older than its TTL', async () => {
    const { provider, grantId } = await providerWithGrant();
    let now = Date.now();
    const verifier = requireLiveGrant(tokensNaming(grantId), provider, { ttlMs: 5_000, now: () => now });
    await expect(verifier.verify('t', context)).resolves.toBeDefined();

    // Deleted behind the provider's back (no event): trusted until the TTL passes, then refused.
    await provider.Grant.adapter.destroy(grantId);
    await expect(verifier.verify('t', context)).resolves.toBeDefined();
    now += 5_000;
    await expect(verifier.verify('t', context)).rejects.toMatchObject({ code: 'ERR_TOKEN_INACTIVE' });
  });

  it('lets a token without a grant (client credentials) through without a lookup', async () => {
    const { provider } = await providerWithGrant();
    const info: AuthInfo = { token: 't', clientId: 'svc', scopes: [], extra: { claims: {} } };
    const verifier = requireLiveGrant({ verify: async () => info }, provider);
    await expect(verifier.verify('t', context)).resolves.toBe(info);
  });
});
