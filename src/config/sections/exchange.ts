import { z } from 'zod';
import type { EnvTable } from '../values.js';
import { certificateThumbprint, issuerUrl, url } from '../fields.js';

/**
 * The MCP server's own confidential client, for on-behalf-of calls: tool
 * handlers trade the caller's token for one whose audience is a downstream
 * API (RFC 8693 token exchange, or Entra ID's on-behalf-of flow).
 */
export const exchangeSchema = z
  .object({
    /** `rfc8693` (Keycloak, Okta, Auth0, Gatehouse's authority) or `entra-obo` (Entra ID's on-behalf-of flow). */
    variant: z.enum(['rfc8693', 'entra-obo']).default('rfc8693'),
    /** The token endpoint; defaults to the one in the metadata of `issuer`. */
    tokenEndpoint: url('exchange.tokenEndpoint').optional(),
    /** Whose metadata names the token endpoint; defaults to the gate's issuer. */
    issuer: issuerUrl('exchange.issuer').optional(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    /** Defaults to `private_key_jwt` with a `privateKey`, else `client_secret_basic` (`client_secret_post` for `entra-obo`). */
    authMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt']).optional(),
    /** PEM (PKCS#8) or JWK (JSON) private key that signs client assertions (`private_key_jwt`). */
    privateKey: z.string().min(1).optional(),
    privateKeyAlg: z.enum(['RS256', 'PS256', 'ES256', 'EdDSA']).default('RS256'),
    /** `kid` of the assertion's header: the key's id as registered at the authorization server. */
    privateKeyId: z.string().min(1).optional(),
    /** Base64url SHA-1 thumbprint of the key's certificate, sent as `x5t` (Entra ID certificate credentials). */
    certificateThumbprint: certificateThumbprint.optional(),
    /** Bound on cached exchanged tokens. 0 turns the cache off. */
    cacheMaxEntries: z.number().int().min(0).default(10_000),
    /** A cached token is replaced this many seconds before it expires. */
    refreshSkewSec: z.number().int().min(0).max(600).default(30),
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  })
  .check((ctx) => {
    const { clientSecret, privateKey, authMethod } = ctx.value;
    if (!clientSecret && !privateKey) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['clientSecret'], message: 'the exchange client needs a clientSecret or a privateKey' });
    } else if (authMethod === 'private_key_jwt' && !privateKey) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['privateKey'], message: 'authMethod private_key_jwt needs a privateKey' });
    } else if (authMethod !== undefined && authMethod !== 'private_key_jwt' && !clientSecret) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['clientSecret'], message: `authMethod ${authMethod} needs a clientSecret` });
    }
  });

/** Env vars of the `exchange` section, by setting path. */
export const EXCHANGE_ENV: EnvTable = {
  'exchange.variant': ['OAUTH_EXCHANGE_VARIANT'],
  'exchange.tokenEndpoint': ['OAUTH_EXCHANGE_TOKEN_URL'],
  'exchange.issuer': ['OAUTH_EXCHANGE_ISSUER_URL'],
  'exchange.clientId': ['OAUTH_EXCHANGE_CLIENT_ID'],
  'exchange.clientSecret': ['OAUTH_EXCHANGE_CLIENT_SECRET'],
  'exchange.authMethod': ['OAUTH_EXCHANGE_AUTH_METHOD'],
  'exchange.privateKey': ['OAUTH_EXCHANGE_PRIVATE_KEY'],
  'exchange.privateKeyAlg': ['OAUTH_EXCHANGE_PRIVATE_KEY_ALG'],
  'exchange.privateKeyId': ['OAUTH_EXCHANGE_PRIVATE_KEY_ID'],
  'exchange.certificateThumbprint': ['OAUTH_EXCHANGE_CERT_THUMBPRINT'],
};

/** The exchange client's settings with defaults filled in. */
export type ExchangeConfig = z.output<typeof exchangeSchema>;
