import { createHash } from 'node:crypto';
import { isJsonDocument, type Exchange, type Prober } from '../http.js';
import type { Probe } from './observe-tokens.js';

/**
 * With `--register`: registrations the authorization server must refuse,
 * one it must accept, and authorization requests for that client that test
 * redirect-URI matching, PKCE and `iss`. Nobody signs in; each
 * authorization request is judged by its first answer.
 */

export interface RegistrationProbes {
  refusedHttp: Probe;
  refusedFragment: Probe;
  /** The client the authorization requests use; absent when its registration failed (`registered` says how). */
  clientId?: string;
  registered: Probe;
  /** The registered loopback redirect URI asked with another port. */
  anyPort?: Probe;
  /** An https redirect URI nobody registered. */
  foreignRedirect?: Probe;
  /** No code_challenge. */
  noPkce?: Probe;
  /** The redirect URI the authorization requests name (with its port). */
  redirectUri?: string;
}

const REGISTERED_REDIRECT = 'http://127.0.0.1/callback';
const FOREIGN_REDIRECT = 'https://attacker.example.com/callback';

function registration(redirectUri: string): Record<string, unknown> {
  return {
    client_name: 'gatehouse doctor (conformance)', redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'],
    token_endpoint_auth_method: 'none', application_type: 'native',
  };
}

/** Registration answers can hold secrets: keep only status and the error, for the evidence. */
function withoutSecrets(exchange: Exchange): Exchange {
  const json = exchange.json;
  const kept = json ? Object.fromEntries(Object.entries(json).filter(([k]) => ['error', 'error_description', 'client_id'].includes(k))) : undefined;
  return { ...exchange, body: kept ? JSON.stringify(kept) : '', json };
}

async function register(http: Prober, endpoint: string, redirectUri: string): Promise<Probe> {
  const exchange = await http.send(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(registration(redirectUri)) });
  return { label: `POST ${endpoint} registering a native public client with redirect_uris ["${redirectUri}"]`, exchange: withoutSecrets(exchange) };
}

export interface AuthorizeTarget {
  endpoint: string;
  resource: string;
  scope?: string;
}

async function authorize(http: Prober, target: AuthorizeTarget, params: Record<string, string>, what: string): Promise<Probe> {
  const url = new URL(target.endpoint);
  for (const [k, v] of Object.entries({ response_type: 'code', state: 'gatehouse-doctor', resource: target.resource, ...(target.scope ? { scope: target.scope } : {}), ...params })) url.searchParams.set(k, v);
  return { label: `GET ${target.endpoint} ${what}`, exchange: await http.send(url.href, { method: 'GET', headers: { Accept: 'text/html' } }, false) };
}

/**
 * Sends the registration probes.
 *
 * @example
 * ```ts
 * const probes = await probeRegistration(http, 'https://as.example.com/register', { endpoint: 'https://as.example.com/authorize', resource }, 49152);
 * probes.refusedHttp.exchange.status; // 400
 * ```
 */
export async function probeRegistration(http: Prober, endpoint: string, target: AuthorizeTarget | undefined, port: number): Promise<RegistrationProbes> {
  const refusedHttp = await register(http, endpoint, 'http://attacker.example.com/callback');
  const refusedFragment = await register(http, endpoint, 'https://client.example.com/callback#fragment');
  const registered = await register(http, endpoint, REGISTERED_REDIRECT);
  const clientId = isJsonDocument(registered.exchange) && typeof registered.exchange.json.client_id === 'string' ? registered.exchange.json.client_id : undefined;
  if (!clientId || !target) return { refusedHttp, refusedFragment, registered };
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const challenge = createHash('sha256').update(crypto.randomUUID()).digest('base64url');
  const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };
  return {
    refusedHttp, refusedFragment, registered, clientId, redirectUri,
    anyPort: await authorize(http, target, { client_id: clientId, redirect_uri: redirectUri, ...pkce }, `for that client, redirect_uri ${redirectUri} (registered without a port), PKCE S256`),
    foreignRedirect: await authorize(http, target, { client_id: clientId, redirect_uri: FOREIGN_REDIRECT, ...pkce }, `for that client, redirect_uri ${FOREIGN_REDIRECT} (never registered), PKCE S256`),
    noPkce: await authorize(http, target, { client_id: clientId, redirect_uri: redirectUri }, `for that client, redirect_uri ${redirectUri}, without code_challenge`),
  };
}
