import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import type { UpstreamConfig } from '../../config/sections/upstream.js';
import { ConfigError } from '../../errors.js';

/** The algorithms a private key of each kind signs its assertions with (what Entra, Okta and Keycloak accept). */
const ALG_BY_KEY: Record<string, string> = { RSA: 'RS256', 'EC:P-256': 'ES256', 'EC:P-384': 'ES384', 'EC:P-521': 'ES512', 'OKP:Ed25519': 'EdDSA' };

/** What authenticates Gatehouse at the upstream's token endpoint, for openid-client, and the metadata that says so. */
export interface UpstreamClientAuth {
  metadata: Partial<oidc.ClientMetadata>;
  clientAuthentication: oidc.ClientAuth | undefined;
}

/**
 * The upstream client authentication the settings ask for: `private_key_jwt`
 * (RFC 7523: a short-lived JWT signed with `upstream.privateKey`, the
 * upstream holding only the public key) when a key is set, else the client
 * secret (openid-client's default, `client_secret_basic`), else none. The
 * key is PEM (PKCS#8, PKCS#1 or SEC1), a private JWK, or a file path holding either; a key
 * that cannot be read stops the start with a message naming the setting,
 * never the key.
 *
 * @example
 * ```ts
 * const { metadata, clientAuthentication } = await upstreamClientAuth(config.upstream);
 * await oidc.discovery(issuer, config.upstream.clientId, metadata, clientAuthentication);
 * ```
 */
export async function upstreamClientAuth(config: UpstreamConfig, tokenEndpoint: () => string | undefined = () => undefined): Promise<UpstreamClientAuth> {
  if (!config.privateKey) return { metadata: config.clientSecret ? { client_secret: config.clientSecret } : {}, clientAuthentication: undefined };
  const { key, kid, alg } = await loadPrivateKey(config.privateKey, config.privateKeyId);
  return {
    metadata: { token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: alg },
    clientAuthentication: oidc.PrivateKeyJwt(kid ? { key, kid } : key, entraAssertion(config, tokenEndpoint)),
  };
}

async function loadPrivateKey(setting: string, kidSetting: string | undefined): Promise<{ key: CryptoKey; kid?: string; alg: string }> {
  const text = await keyText(setting.trim());
  try {
    // PEM of any kind (PKCS#8, PKCS#1, SEC1) goes through Node's parser to a JWK, so one import path serves both.
    const jwk = (text.startsWith('{') ? parseJwk(text) : createPrivateKey(text).export({ format: 'jwk' })) as JWK;
    if (!jwk.d) throw new Error('it has no private part (a public key was given)');
    const alg = jwk.alg ?? algFor(jwk.kty, jwk.crv);
    const key = await importJWK(jwk, alg);
    if (!(key instanceof CryptoKey)) throw new Error('it is not an asymmetric key');
    const kid = kidSetting ?? jwk.kid;
    return { key, alg, ...(kid ? { kid } : {}) };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`GATEHOUSE_UPSTREAM_PRIVATE_KEY (upstream.privateKey) is not a usable private key: ${(err as Error).message}`);
  }
}

/** The value itself (PEM or JSON), or the contents of the file it names. */
async function keyText(setting: string): Promise<string> {
  if (setting.startsWith('{') || setting.startsWith('-----BEGIN')) return setting;
  try {
    return (await readFile(setting, 'utf8')).trim();
  } catch (err) {
    throw new ConfigError(`GATEHOUSE_UPSTREAM_PRIVATE_KEY (upstream.privateKey) is neither a PEM key, a JWK nor a readable file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Entra ID's client assertions: the certificate found by the `x5t` header,
 * and `aud` the token endpoint, as Microsoft documents (openid-client puts
 * the issuer there, which other providers accept).
 */
function entraAssertion(config: UpstreamConfig, tokenEndpoint: () => string | undefined): oidc.ModifyAssertionOptions | undefined {
  const x5t = config.certificateThumbprint;
  if (!x5t && config.provider !== 'entra') return undefined;
  return {
    [oidc.modifyAssertion](header, payload) {
      if (x5t) header.x5t = x5t;
      const endpoint = tokenEndpoint();
      if (config.provider === 'entra' && endpoint) payload.aud = endpoint;
    },
  };
}

/** JSON.parse's own message quotes the input (newer Node): never a piece of the key in a message. */
function parseJwk(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('it starts like a JWK but is not valid JSON');
  }
}

function algFor(kty: string | undefined, crv: string | undefined): string {
  const alg = ALG_BY_KEY[kty === 'RSA' ? 'RSA' : `${kty}:${crv}`];
  if (!alg) throw new Error(`keys of type ${kty}${crv ? ` (${crv})` : ''} are not supported; use RSA, EC P-256/384/521 or Ed25519`);
  return alg;
}
