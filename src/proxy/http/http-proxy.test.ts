import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAssertionSigner } from './assertion.js';
import { createHttpProxy } from './http-proxy.js';

async function signer() {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return createAssertionSigner({ key: { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'k' }, issuer: 'https://mcp.example.com', audience: 'http://up/mcp' });
}

describe('createHttpProxy', () => {
  it('sends the plain identity headers to a loopback upstream only, unless told to trust it', async () => {
    const common = { signer: await signer(), publicOrigin: 'https://mcp.example.com' };
    const cases: [string, boolean | undefined, boolean][] = [
      ['http://127.0.0.1:8080/mcp', undefined, true],
      ['http://localhost:8080/mcp', undefined, true],
      ['http://[::1]:8080/mcp', undefined, true],
      ['http://10.0.0.5:8080/mcp', undefined, false],
      ['https://mcp-internal.example.com/mcp', undefined, false],
      ['https://mcp-internal.example.com/mcp', true, true],
      ['http://127.0.0.1:8080/mcp', false, false],
    ];
    for (const [upstream, trustUpstream, expected] of cases) {
      const proxy = createHttpProxy({ ...common, upstream, trustUpstream });
      expect([upstream, trustUpstream, proxy.plainHeaders]).toEqual([upstream, trustUpstream, expected]);
      await proxy.close();
    }
  });

  it('is not ready while nothing listens at the upstream', async () => {
    const proxy = createHttpProxy({ signer: await signer(), publicOrigin: 'https://mcp.example.com', upstream: 'http://127.0.0.1:1/mcp' });
    expect(await proxy.ready()).toEqual({ ready: false, detail: 'upstream 127.0.0.1:1 unreachable: ECONNREFUSED' });
    await proxy.close();
  });
});
