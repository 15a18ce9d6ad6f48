/**
 * A repeated token is decided synchronously from the verifier's remembered
 * result (no promise until a body is read). These tests hold that path to
 * the awaited one: over a table of good and bad tokens and requests, the
 * second sight of a request (remembered) answers exactly as the first
 * (verified), and nothing a handler does to one result reaches the next.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { UpstreamMetadata } from '../discovery/upstream.js';
import { RequestTooLargeError } from '../errors.js';
import { startTestIssuer, type TestIssuer } from '../testing/test-issuer.js';
import { createVerifier, type GatehouseVerifier } from '../tokens/create-verifier.js';
import type { AuthInfo, TokenVerifier, VerifyContext } from '../tokens/types.js';
import type { AuthenticateOptions, GateRequest, GateResult } from '../types.js';
import { authenticateRequest, type GateContext } from './authenticate.js';

const publicUrl = 'https://mcp.example.com';
const resource = `${publicUrl}/mcp`;
const now = () => Math.floor(Date.now() / 1000);
const message = (method: string, params: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: 7, method, params });
const callTool = (name: string) => message('tools/call', { name, arguments: {} });

/** One request of the table: its token (minted per row), extra headers, and how the body reaches the gate. */
interface Row {
  name: string;
  token(issuer: TestIssuer): Promise<string>;
  headers?: [string, string][];
  query?: string;
  /** `held`: parsed by a framework; `reader`: read on demand; `web`: a Web Request the gate reads. */
  body?: { as: 'held'; value: unknown } | { as: 'reader'; value: unknown } | { as: 'web'; value: unknown } | { as: 'reader-fails'; error: () => unknown; sync?: boolean };
  /** What both answers must be. */
  expected: number;
  /** Whether the verifier remembers the token, so the second answer comes from the synchronous path. */
  remembered: boolean;
}

const good = (claims: Record<string, unknown> = {}) => (issuer: TestIssuer) => issuer.mint(claims);

const rows: Row[] = [
  { name: 'a valid token, no body read', token: good(), expected: 200, remembered: true },
  { name: 'tools/list, body held', token: good(), body: { as: 'held', value: message('tools/list') }, expected: 200, remembered: true },
  { name: 'a guarded tool without its scope, body held', token: good(), body: { as: 'held', value: callTool('admin_report') }, expected: 403, remembered: true },
  { name: 'a guarded tool without its scope, body read on demand', token: good(), body: { as: 'reader', value: callTool('admin_report') }, expected: 403, remembered: true },
  { name: 'a guarded tool without its scope, Web Request', token: good(), body: { as: 'web', value: callTool('admin_report') }, expected: 403, remembered: true },
  { name: 'a guarded tool with its scope, body read on demand', token: good({ scope: 'mcp mcp:admin' }), body: { as: 'reader', value: callTool('admin_report') }, expected: 200, remembered: true },
  { name: 'the guarded tool hidden in a batch', token: good(), body: { as: 'reader', value: [message('tools/list'), callTool('admin_report')] }, expected: 403, remembered: true },
  { name: 'Mcp-Method disagreeing with the body', token: good(), headers: [['mcp-method', 'tools/list']], body: { as: 'reader', value: callTool('whoami') }, expected: 400, remembered: true },
  { name: 'Mcp-Name disagreeing with the body', token: good({ scope: 'mcp mcp:admin' }), headers: [['mcp-name', 'whoami']], body: { as: 'held', value: callTool('admin_report') }, expected: 400, remembered: true },
  { name: 'the reader fails with 413', token: good(), body: { as: 'reader-fails', error: () => new RequestTooLargeError(10) }, expected: 413, remembered: true },
  { name: 'the reader rejects (client went away)', token: good(), body: { as: 'reader-fails', error: () => new Error('socket hang up') }, expected: 400, remembered: true },
  { name: 'the reader throws before it returns', token: good(), body: { as: 'reader-fails', error: () => new Error('no stream'), sync: true }, expected: 400, remembered: true },
  { name: 'without the required scope', token: good({ scope: 'profile' }), expected: 403, remembered: true },
  { name: 'exp passed inside the clock tolerance', token: good({ exp: now() - 5 }), expected: 200, remembered: false },
  { name: 'a good token also in the query string', token: good(), query: 'access_token=abc', expected: 400, remembered: false },
  { name: 'two Authorization headers', token: good(), headers: [['authorization', 'Bearer other']], expected: 400, remembered: false },
  { name: 'expired', token: good({ exp: now() - 3600 }), expected: 401, remembered: false },
  { name: 'another audience', token: good({ aud: 'https://other.example.com/mcp' }), expected: 401, remembered: false },
  { name: 'another issuer', token: good({ iss: 'https://evil.example' }), expected: 401, remembered: false },
  { name: 'nbf an hour ahead', token: good({ nbf: now() + 3600 }), expected: 401, remembered: false },
  { name: 'signature tampered', token: async (issuer) => `${(await issuer.mint()).slice(0, -4)}AAAA`, expected: 401, remembered: false },
  { name: 'not a JWT', token: async () => 'opaque-token-value', expected: 401, remembered: false },
];

function requestOf(row: Row, token: string): { request: Request | GateRequest; options: AuthenticateOptions | undefined } {
  const headers = new Headers([['content-type', 'application/json'], ['authorization', `Bearer ${token}`]]);
  for (const [name, value] of row.headers ?? []) headers.append(name, value);
  const url = `${resource}${row.query ? `?${row.query}` : ''}`;
  const body = row.body;
  if (body?.as === 'web') return { request: new Request(url, { method: 'POST', headers, body: JSON.stringify(body.value) }), options: undefined };
  const request: GateRequest = { method: body ? 'POST' : 'GET', url, headers };
  if (!body) return { request, options: undefined };
  if (body.as === 'held') return { request, options: { body: body.value } };
  if (body.as === 'reader') {
    const { value } = body;
    return { request, options: { readBody: () => Promise.resolve(structuredClone(value)) } };
  }
  const { error, sync } = body;
  return {
    request,
    options: {
      readBody: () => {
        if (sync) throw error();
        return Promise.reject(error());
      },
    },
  };
}

/** The clock an expiry message quotes ("now 2026-...Z") moves between two answers: everything else must not. */
const withoutClock = (text: string) => text.replace(/now \d{4}-\d\d-\d\dT[\d:.]+Z/g, 'now <clock>');

/** Everything a client sees of an answer, and what the gate hands the handler. */
async function seen(result: GateResult): Promise<unknown> {
  if (result.ok) return { ok: true, authInfo: { ...result.authInfo, resource: result.authInfo.resource?.href } };
  const { response, error } = result;
  return { status: response.status, code: error.code, headers: [...response.headers].map(([name, value]) => [name, withoutClock(value)]), body: withoutClock(await response.text()) };
}

describe('a remembered token answers as a verified one', () => {
  let issuer: TestIssuer;
  let upstream: UpstreamMetadata;
  let context: GateContext;
  let verifier: GatehouseVerifier;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: resource });
    const config = resolveConfig({ issuer: issuer.issuer, publicUrl, scopes: { required: ['mcp'], tools: { admin_report: ['mcp:admin'] } }, jwt: { clockToleranceSec: 30 } });
    upstream = new UpstreamMetadata({ issuer: config.issuer, refreshIntervalSec: 0 });
    await upstream.load();
    verifier = createVerifier(config, upstream);
    await verifier.jwks.reload();
    context = { config, verifier, prepare: () => undefined };
  });
  afterAll(async () => {
    upstream.close();
    await issuer.close();
  });

  it.each(rows.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    verifier.jwtCache.clear();
    const token = await row.token(issuer);
    const first = requestOf(row, token);
    const verified = await authenticateRequest(first.request, context, first.options);
    const hitsBefore = verifier.jwtCache.hits;
    const second = requestOf(row, token);
    const remembered = await authenticateRequest(second.request, context, second.options);
    // The second answer really came from what the verifier remembered (or, for a token it refused, did not).
    expect(verifier.jwtCache.hits - hitsBefore).toBe(row.remembered ? 1 : 0);
    expect(verified.ok ? 200 : verified.response.status).toBe(row.expected);
    expect(await seen(remembered)).toEqual(await seen(verified));
  });

  it('decides a repeated token before a body read would resolve, and only then reads the body', async () => {
    const token = await issuer.mint();
    await authenticateRequest(requestOf(rows[0]!, token).request, context);
    const order: string[] = [];
    const answer = authenticateRequest({ method: 'GET', url: resource, headers: new Headers({ authorization: `Bearer ${token}` }) }, context).then((result) => {
      order.push(`answer ${result.ok}`);
    });
    // The answer of a request with no body to read is already settled: one turn of the microtask queue delivers it.
    await Promise.resolve();
    order.push('next tick');
    await answer;
    expect(order).toEqual(['answer true', 'next tick']);
  });

  it('keeps what one handler does to its AuthInfo from every later request', async () => {
    const token = await issuer.mint();
    const guarded = () => requestOf({ name: 'guarded', token: good(), body: { as: 'held', value: callTool('admin_report') }, expected: 403, remembered: true }, token);
    const first = await authenticateRequest(guarded().request, context, { body: message('tools/list') });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    // A handler granting itself the guarded tool's scope, and rewriting who it is.
    first.authInfo.scopes.push('mcp:admin');
    (first.authInfo as { clientId: string }).clientId = 'someone-else';
    const { request, options } = guarded();
    const next = await authenticateRequest(request, context, options);
    expect(next.ok ? 200 : next.response.status).toBe(403);
    const again = await authenticateRequest(guarded().request, context, { body: message('tools/list') });
    expect(again.ok && again.authInfo).toMatchObject({ clientId: 'test-client', scopes: ['mcp'] });
  });
});

describe('the context a verifier is asked with', () => {
  it('is the same frozen object on every request, so no verifier can change what the next one is checked against', async () => {
    const contexts: VerifyContext[] = [];
    const verifier: TokenVerifier = {
      async verify(token: string, asked: VerifyContext): Promise<AuthInfo> {
        contexts.push(asked);
        if (token === 'widen') asked.audience.push('https://attacker.example/mcp');
        return { token, clientId: 'c', scopes: [] };
      },
    };
    const config = resolveConfig({ issuer: 'https://idp.example.com', publicUrl, audience: ['api://mcp'] });
    const light = (token: string): GateRequest => ({ method: 'GET', url: resource, headers: new Headers({ authorization: `Bearer ${token}` }) });
    const widened = await authenticateRequest(light('widen'), { config, verifier });
    const after = await authenticateRequest(light('plain'), { config, verifier });
    expect(widened.ok ? 'ok' : widened.error.code).toBe('ERR_VERIFICATION_FAILED');
    expect(after.ok).toBe(true);
    expect(contexts[1]).toBe(contexts[0]);
    expect(contexts[1]).toEqual({ resource, audience: ['api://mcp'] });
    expect(config.audience).toEqual(['api://mcp']);
  });

  it('judges scopes that are not a list as a set of their items, never as a substring', async () => {
    const verifier: TokenVerifier = { verify: async (token) => ({ token, clientId: 'c', scopes: 'mcp:admin' as unknown as string[] }) };
    const config = resolveConfig({ issuer: 'https://idp.example.com', publicUrl, scopes: { required: ['mcp'] } });
    const result = await authenticateRequest({ method: 'GET', url: resource, headers: new Headers({ authorization: 'Bearer t' }) }, { config, verifier });
    expect(result.ok ? 200 : result.response.status).toBe(403);
  });
});
