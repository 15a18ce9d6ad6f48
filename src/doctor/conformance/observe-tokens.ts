import type { Exchange, Prober } from '../http.js';
import { rawPost } from './raw-request.js';

/**
 * The requests that test how the MCP endpoint refuses: tokens that must
 * fail, a token in the query string, two Authorization headers. Each
 * labelled for the evidence; a real token (`--token`) is named, never shown.
 */

export interface Probe {
  /** What was sent, in words, for the evidence. */
  label: string;
  exchange: Exchange;
}

export interface TokenProbes {
  /** Made-up tokens, each of another malformed kind: every one must get 401. */
  malformed: Probe[];
  /** An unsigned JWT (`alg: none`) with the issuer, audience and scope the server wants. */
  unsigned: Probe;
  /** The real token in `?access_token=` and no header; only with `--token`. */
  query?: Probe;
  twoHeaders: Probe;
}

/** What the unsigned token claims, so that only its signature is wrong. */
export interface Claims {
  issuer?: string;
  resource: string;
  scope?: string;
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'gatehouse-doctor', version: '1' } },
});
const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function unsignedToken(claims: Claims): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    ...(claims.issuer ? { iss: claims.issuer } : {}), aud: claims.resource, sub: 'gatehouse-doctor', client_id: 'gatehouse-doctor',
    ...(claims.scope ? { scope: claims.scope } : {}), iat: now, exp: now + 300, jti: crypto.randomUUID(),
  };
  return `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(payload)}.`;
}

/** A JWT in shape, signed by nobody: random bytes where the signature goes. */
function forgedToken(claims: Claims): string {
  const signature = Buffer.from(crypto.getRandomValues(new Uint8Array(64))).toString('base64url');
  return `${b64url({ alg: 'RS256', typ: 'at+jwt', kid: 'gatehouse-doctor' })}.${unsignedToken(claims).split('.')[1]}.${signature}`;
}

function post(http: Prober, url: string, authorization?: string): Promise<Exchange> {
  return http.send(url, { method: 'POST', headers: { ...JSON_HEADERS, ...(authorization ? { Authorization: authorization } : {}) }, body: INITIALIZE });
}

/**
 * Sends the refusal probes, one after another (a server may rate-limit).
 *
 * @example
 * ```ts
 * const probes = await probeTokens(http, url, { resource: url.href }, undefined, 10_000);
 * probes.malformed.map((p) => p.exchange.status); // [401, 401, 401]
 * ```
 */
export async function probeTokens(http: Prober, url: URL, claims: Claims, token: string | undefined, timeoutMs: number): Promise<TokenProbes> {
  const kinds: [string, string][] = [
    ['a token that is not a JWT', 'Bearer gatehouse-doctor-not-a-real-token'],
    ['a JWT with a forged signature', `Bearer ${forgedToken(claims)}`],
    ['a header that is not one token (Bearer with two words)', 'Bearer not a-token'],
  ];
  const malformed: Probe[] = [];
  for (const [what, header] of kinds) malformed.push({ label: `POST ${url.href} (initialize) with Authorization: ${what}`, exchange: await post(http, url.href, header) });
  const unsigned = { label: `POST ${url.href} (initialize) with an unsigned JWT (alg "none") naming issuer ${claims.issuer ?? '(unknown)'} and audience ${claims.resource}`, exchange: await post(http, url.href, `Bearer ${unsignedToken(claims)}`) };
  let query: Probe | undefined;
  if (token) {
    const target = new URL(url.href);
    target.searchParams.set('access_token', token);
    const exchange = await post(http, target.href);
    query = { label: `POST ${url.href}?access_token=<the --token value> (initialize), no Authorization header`, exchange: { ...exchange, url: `${url.href}?access_token=<token>` } };
  }
  const lines: [string, string][] = [
    ['content-type', 'application/json'], ['accept', 'application/json, text/event-stream'],
    ['authorization', `Bearer ${token ?? 'gatehouse-doctor-first-token'}`], ['authorization', 'Bearer gatehouse-doctor-second-token'],
  ];
  const twoHeaders = {
    label: `POST ${url.href} (initialize) with two Authorization header lines (${token ? 'the --token value, then a made-up token' : 'two made-up tokens'})`,
    exchange: await rawPost(url.href, lines, INITIALIZE, timeoutMs),
  };
  return { malformed, unsigned, ...(query ? { query } : {}), twoHeaders };
}
