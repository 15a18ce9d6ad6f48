import { importJWK, importPKCS8, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { ClientAuthMethod, PrivateKeyJwtOptions } from './types.js';

/**
 * Authenticates the MCP server's confidential client at the token endpoint:
 * `client_secret_basic` (RFC 6749 §2.3.1), `client_secret_post`, or
 * `private_key_jwt` (RFC 7523 client assertion, OpenID Connect Core §9).
 */

/** What one request carries to authenticate the client. */
export interface ClientCredentials {
  headers: Record<string, string>;
  params: Record<string, string>;
}

/** Produces the credentials of each request (a fresh assertion each time for `private_key_jwt`). */
export type ClientAuthenticator = (tokenEndpoint: string) => Promise<ClientCredentials>;

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ASSERTION_LIFETIME_SEC = 60;

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded. */
function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  const bytes = new TextEncoder().encode(`${encode(clientId)}:${encode(clientSecret)}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

async function importSigningKey(key: PrivateKeyJwtOptions['key'], alg: string): Promise<CryptoKey | Uint8Array> {
  if (typeof key !== 'string') return 'kty' in key ? importJWK(key as JWK, alg) : (key as CryptoKey);
  const text = key.trim();
  if (text.startsWith('-----BEGIN')) return importPKCS8(text, alg);
  return importJWK(JSON.parse(text) as JWK, alg);
}

/**
 * Picks the authentication of the exchange client and checks it has what
 * that method needs.
 *
 * @example
 * ```ts
 * const authenticate = clientAuthenticator({ clientId: 'mcp-server', clientSecret: 's3cret', authMethod: 'client_secret_basic' });
 * const { headers, params } = await authenticate('https://idp.example.com/token');
 * ```
 */
export function clientAuthenticator(options: {
  clientId: string;
  clientSecret?: string;
  privateKeyJwt?: PrivateKeyJwtOptions;
  authMethod: ClientAuthMethod;
}): ClientAuthenticator {
  const { clientId, clientSecret, privateKeyJwt, authMethod } = options;
  if (authMethod === 'private_key_jwt') {
    if (!privateKeyJwt) throw new TypeError('Token exchange: private_key_jwt needs the privateKeyJwt option (key and alg)');
    let loaded: Promise<CryptoKey | Uint8Array> | undefined;
    return async function signClientAssertion(tokenEndpoint) {
      loaded ??= importSigningKey(privateKeyJwt.key, privateKeyJwt.alg);
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({})
        .setProtectedHeader({ ...privateKeyJwt.header, alg: privateKeyJwt.alg, typ: 'JWT', ...(privateKeyJwt.kid ? { kid: privateKeyJwt.kid } : {}) })
        .setIssuer(clientId)
        .setSubject(clientId)
        // RFC 7523 §3: the token endpoint is an audience every server accepts (Entra ID requires it).
        .setAudience(tokenEndpoint)
        .setJti(crypto.randomUUID())
        .setIssuedAt(now)
        .setExpirationTime(now + ASSERTION_LIFETIME_SEC)
        .sign(await loaded);
      return { headers: {}, params: { client_id: clientId, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion } };
    };
  }
  if (clientSecret === undefined) throw new TypeError(`Token exchange: ${authMethod} needs the clientSecret option`);
  if (authMethod === 'client_secret_post') {
    const credentials = { headers: {}, params: { client_id: clientId, client_secret: clientSecret } };
    return async function postSecret() {
      return credentials;
    };
  }
  const credentials = { headers: { authorization: basicCredentials(clientId, clientSecret) }, params: {} };
  return async function basicSecret() {
    return credentials;
  };
}
