/**
 * Broker mode authenticating at the upstream with `private_key_jwt`
 * (GATEHOUSE_UPSTREAM_PRIVATE_KEY), against the enterprise-shaped
 * oidc-provider whose one client is registered with
 * `token_endpoint_auth_method: private_key_jwt` and a public key, no
 * secret: the SDK client signs in and the upstream tool works; a key the
 * upstream does not know gets a page and a log line naming the setting.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamSchema } from '../../src/config/sections/upstream.js';
import { upstreamClientAuth } from '../../src/authority/upstream/client-auth.js';
import { ConfigError } from '../../src/errors.js';
import { startEnterpriseIdp, type EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { headlessLogin } from '../helpers/headless-login.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJson, signInWithSdk, tempStateDir } from '../e2e/authority-harness.js';
import { callbackOn, freePort, jwtPayload, registeredClient, startBrokerDemo } from './broker-harness.js';

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('broker mode with private_key_jwt at the upstream', () => {
  const states = [tempStateDir(), tempStateDir()];
  const registered = rsa();
  let idp: EnterpriseIdp;
  let good: Awaited<ReturnType<typeof startBrokerDemo>>;
  let unknownKey: Awaited<ReturnType<typeof startBrokerDemo>>;

  beforeAll(async () => {
    const ports = [await freePort(), await freePort()];
    const publicJwk = { ...registered.publicKey.export({ format: 'jwk' }), kid: 'gatehouse-2026', use: 'sig', alg: 'RS256' };
    idp = await startEnterpriseIdp({
      redirectUri: ports.map(callbackOn),
      clientJwks: { keys: [publicJwk as never] },
      users: { ada: { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' } },
    });
    // The key as operators keep it: a PKCS#8 PEM file, 0600, named by path.
    const keyFile = join(states[0]!.path, 'upstream-key.pem');
    writeFileSync(keyFile, registered.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    good = await startBrokerDemo(states[0]!.path, ports[0]!, { issuer: idp.issuer, clientId: idp.clientId, privateKey: keyFile, privateKeyId: 'gatehouse-2026' });
    const stranger = JSON.stringify({ ...rsa().privateKey.export({ format: 'jwk' }), kid: 'gatehouse-2026' });
    unknownKey = await startBrokerDemo(states[1]!.path, ports[1]!, { issuer: idp.issuer, clientId: idp.clientId, privateKey: stranger });
  });
  afterAll(async () => {
    await good?.close();
    await unknownKey?.close();
    await idp?.close();
    for (const state of states) state.remove();
  });

  it('signs the SDK client in; the upstream tool calls the upstream with the token redeemed by a signed assertion', async () => {
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47771/callback' });
    const client = await signInWithSdk(good.mcpUrl, provider, 'ada');
    try {
      expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'oidc|ada' });
      expect(await callJson(client, 'upstream_whoami')).toMatchObject({ user: { sub: 'ada', email: 'ada@example.com' } });
    } finally {
      await client.close();
    }
    expect(jwtPayload(provider.tokens()!.access_token)).toMatchObject({ iss: good.origin, aud: good.mcpUrl });
  });

  it('a key the upstream does not know: a page saying the credentials were refused, a log line naming the setting', async () => {
    const app = await registeredClient(unknownKey.origin, 'http://127.0.0.1:47772/callback');
    const pages: { status: number; body: string }[] = [];
    await headlessLogin(app.authorizationUrl(), {
      login: 'ada',
      async fetch(url, init) {
        const response = await fetch(url, init);
        if (response.status >= 400) pages.push({ status: response.status, body: await response.clone().text() });
        return response;
      },
    }).catch(() => {});
    expect(pages.at(-1)?.status).toBe(502);
    expect(pages.at(-1)?.body).toContain('client credentials were refused');
    const log = unknownKey.output.err.join('\n');
    expect(log).toContain('GATEHOUSE_UPSTREAM_PRIVATE_KEY');
    expect(log).not.toMatch(/"d":/);
  });
});

describe('GATEHOUSE_UPSTREAM_PRIVATE_KEY values', () => {
  const settings = (privateKey: string, extra: Record<string, unknown> = {}) => upstreamSchema.parse({ issuer: 'https://idp.example.com', clientId: 'gh', privateKey, ...extra });

  it('takes a private JWK inline (EC P-256 → ES256) and a PEM (PKCS#1 too)', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = await upstreamClientAuth(settings(JSON.stringify({ ...ec.privateKey.export({ format: 'jwk' }), kid: 'k1' })));
    expect(jwk.metadata).toEqual({ token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256' });
    expect(jwk.clientAuthentication).toEqual(expect.any(Function));
    const pkcs1 = await upstreamClientAuth(settings(String(rsa().privateKey.export({ format: 'pem', type: 'pkcs1' }))));
    expect(pkcs1.metadata.token_endpoint_auth_signing_alg).toBe('RS256');
  });

  it('Entra: the certificate thumbprint goes in the assertion header as x5t, the assertion is for the token endpoint', async () => {
    const x5t = 'qLq0cPKZ3G9kN9y6d8OoxUT0n1I';
    const tokenEndpoint = 'https://login.microsoftonline.com/t/oauth2/v2.0/token';
    const entra = settings(String(rsa().privateKey.export({ format: 'pem', type: 'pkcs8' })), { provider: 'entra', issuer: 'https://login.microsoftonline.com/t/v2.0', certificateThumbprint: x5t });
    const auth = await upstreamClientAuth(entra, () => tokenEndpoint);
    const body = new URLSearchParams();
    await auth.clientAuthentication!({ issuer: 'https://login.microsoftonline.com/t/v2.0', token_endpoint: tokenEndpoint }, { client_id: 'app' }, body, new Headers());
    const assertion = body.get('client_assertion')!;
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'RS256', x5t });
    expect(decodeJwt(assertion)).toMatchObject({ iss: 'app', sub: 'app' });
    expect(decodeJwt(assertion).aud).toBe(tokenEndpoint);
    expect(() => settings('k', { certificateThumbprint: 'not-a-thumbprint' })).toThrow(/thumbprint/);
  });

  it('refuses a public key, broken JSON and a missing file with a ConfigError that quotes no key material', async () => {
    const pub = JSON.stringify(rsa().publicKey.export({ format: 'jwk' }));
    await expect(upstreamClientAuth(settings(pub))).rejects.toThrow(/GATEHOUSE_UPSTREAM_PRIVATE_KEY .*no private part/);
    const broken = '{"kty":"RSA","d":"c2VjcmV0LWtleS1tYXRlcmlhbA"';
    const failure = await upstreamClientAuth(settings(broken)).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ConfigError);
    expect(String((failure as Error).message)).not.toContain('c2VjcmV0');
    await expect(upstreamClientAuth(settings('/nonexistent/upstream-key.pem'))).rejects.toThrow(/neither a PEM key, a JWK nor a readable file: ENOENT/);
  });

  it('refuses a secret and a key together, and a key for GitHub', () => {
    expect(() => settings('-----BEGIN PRIVATE KEY-----', { clientSecret: 's' })).toThrow(/not both/);
    expect(() => upstreamSchema.parse({ provider: 'github', clientId: 'gh', privateKey: 'k' })).toThrow(/client secret only/);
  });
});
