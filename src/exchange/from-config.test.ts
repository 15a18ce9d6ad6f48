import { decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTokenEndpointStandIn, type TokenEndpointStandIn } from '../../tests/e2e/exchange-stand-in.js';
import { configFromEnv } from '../config/env.js';
import { resolveConfig } from '../config/resolve.js';
import { ConfigError } from '../errors.js';
import { tokenExchangeFromConfig } from './from-config.js';

const BASE = { OAUTH_ISSUER_URL: 'https://idp.example.com', PUBLIC_URL: 'https://mcp.example.com' };

let standIn: TokenEndpointStandIn;
beforeAll(async () => {
  standIn = await startTokenEndpointStandIn();
  standIn.reply = () => ({ status: 200, body: { access_token: 'downstream', token_type: 'Bearer', expires_in: 600 } });
});
afterAll(() => standIn.close());

describe('the exchange client from OAUTH_EXCHANGE_* env vars', () => {
  it('builds a client that posts to the configured token endpoint with the configured method', async () => {
    const config = resolveConfig(configFromEnv({
      ...BASE,
      OAUTH_EXCHANGE_TOKEN_URL: standIn.tokenEndpoint,
      OAUTH_EXCHANGE_CLIENT_ID: 'mcp-server',
      OAUTH_EXCHANGE_CLIENT_SECRET: 'from-env-secret',
      OAUTH_EXCHANGE_AUTH_METHOD: 'client_secret_post',
    }));
    expect(config.exchange).toMatchObject({ variant: 'rfc8693', clientId: 'mcp-server', cacheMaxEntries: 10_000, refreshSkewSec: 30 });
    await expect(tokenExchangeFromConfig(config).tokenFor('subject-token', { audience: 'https://api.example' })).resolves.toBe('downstream');
    expect(standIn.requests.at(-1)!.form.get('client_secret')).toBe('from-env-secret');
  });

  it('signs client assertions with OAUTH_EXCHANGE_PRIVATE_KEY, naming the certificate by its thumbprint (Entra ID)', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const config = resolveConfig(configFromEnv({
      ...BASE,
      OAUTH_EXCHANGE_VARIANT: 'entra-obo',
      OAUTH_EXCHANGE_TOKEN_URL: standIn.tokenEndpoint,
      OAUTH_EXCHANGE_CLIENT_ID: 'mcp-app',
      OAUTH_EXCHANGE_PRIVATE_KEY: JSON.stringify(await exportJWK(privateKey)),
      OAUTH_EXCHANGE_PRIVATE_KEY_ALG: 'ES256',
      OAUTH_EXCHANGE_CERT_THUMBPRINT: 'hOBcHZi846VCHSJbFAs26Go9VTQ',
    }));
    await tokenExchangeFromConfig(config).tokenFor('subject-token', { scope: 'api://orders/.default' });
    const form = standIn.requests.at(-1)!.form;
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(decodeProtectedHeader(form.get('client_assertion')!)).toMatchObject({ alg: 'ES256', x5t: 'hOBcHZi846VCHSJbFAs26Go9VTQ' });
  });

  it('names the missing env var', () => {
    expect(() => resolveConfig(configFromEnv({ ...BASE, OAUTH_EXCHANGE_CLIENT_ID: 'mcp-server' }))).toThrow(/exchange\.clientSecret \(OAUTH_EXCHANGE_CLIENT_SECRET\)/);
    expect(() => resolveConfig(configFromEnv({ ...BASE, OAUTH_EXCHANGE_CLIENT_SECRET: 'x' }))).toThrow(/exchange\.clientId \(OAUTH_EXCHANGE_CLIENT_ID\)/);
    expect(() => resolveConfig(configFromEnv({ ...BASE, OAUTH_EXCHANGE_CLIENT_ID: 'c', OAUTH_EXCHANGE_CLIENT_SECRET: 'x', OAUTH_EXCHANGE_AUTH_METHOD: 'private_key_jwt' })))
      .toThrow(/OAUTH_EXCHANGE_PRIVATE_KEY/);
    expect(() => tokenExchangeFromConfig(resolveConfig(configFromEnv(BASE)))).toThrow(ConfigError);
  });

  it('reads the authority\'s policies from GATEHOUSE_TOKEN_EXCHANGE_POLICIES (JSON)', () => {
    const config = resolveConfig(configFromEnv({
      PUBLIC_URL: 'http://localhost:3000',
      GATEHOUSE_TOKEN_EXCHANGE_POLICIES: '[{"client":"mcp-server","audiences":["https://api.local"],"scopes":["orders:read"]}]',
      GATEHOUSE_TOKEN_EXCHANGE_TTL: '120',
    }));
    expect(config.authority.tokenExchange).toEqual({ policies: [{ client: 'mcp-server', audiences: ['https://api.local'], scopes: ['orders:read'] }], tokenTtlSec: 120 });
    expect(() => resolveConfig(configFromEnv({ PUBLIC_URL: 'http://localhost:3000', GATEHOUSE_TOKEN_EXCHANGE_POLICIES: '[{"client":"x","audiences":[]}]' })))
      .toThrow(/authority\.tokenExchange\.policies\.0\.audiences/);
  });
});
