/**
 * The rows of `bad-requests.test.ts`: one request each, and what Gatehouse
 * must answer. Kept apart from the runner so the table reads as a table.
 *
 * Statuses follow RFC 6750 §3.1: no credentials (or another scheme) → 401
 * without an error code; a presented token that cannot be used → 401
 * `invalid_token`; a malformed request (two credentials, a token in the URL)
 * → 400 `invalid_request`; a good token without the scopes → 403
 * `insufficient_scope`.
 */
import type { JWK } from 'jose';
import type { TestIssuer, MintOptions } from '../../src/testing/test-issuer.js';

export interface Kit {
  issuer: TestIssuer;
  /** Another issuer with its own keys, playing the forger. */
  attacker: TestIssuer;
  attackerPublicJwk: JWK;
  /** The resource URI of the lenient (default) or strict endpoint. */
  resource(path?: string): string;
  /** A valid token for the endpoint at `path` unless `claims`/`options` break it. */
  mint(claims?: Record<string, unknown>, options?: MintOptions, path?: string): Promise<string>;
  /** The issuer's public key as PEM bytes: the classic HMAC key-confusion secret. */
  publicKeyPem: Uint8Array;
  /** Signs with a fresh RS512 key under the issuer's kid. */
  signRs512(payload: Record<string, unknown>): Promise<string>;
  jwkOf(key: CryptoKey): Promise<JWK>;
}

export interface RequestSpec {
  path?: string;
  headers: [string, string][];
  query?: string;
  body?: string;
  /** Extra checks after the response. */
  after?: (kit: Kit) => void;
}

export interface Row {
  name: string;
  status: number;
  /** The challenge's and body's `error`; `undefined` for 200 and for "no credentials". */
  error?: 'invalid_token' | 'invalid_request' | 'insufficient_scope';
  /** What `error_description` must say (the class of failure). */
  description?: RegExp;
  /** Scopes the 403 challenge must name. */
  scope?: string[];
  /** Part of the 200 body: who the gate says the caller is. */
  caller?: Record<string, unknown>;
  request(kit: Kit): RequestSpec | Promise<RequestSpec>;
}

const STRICT = '/strict-mcp';
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');
const json = (value: unknown) => b64(JSON.stringify(value));
const bearer = (token: string): [string, string][] => [['authorization', `Bearer ${token}`]];
const withToken = (token: string, path?: string): RequestSpec => ({ headers: bearer(token), path });

function parts(token: string): [string, string, string] {
  const [h = '', p = '', s = ''] = token.split('.');
  return [h, p, s];
}

/** The same token with one base64url character of its signature changed. */
function flipSignature(token: string): string {
  const [h, p, s] = parts(token);
  const i = Math.floor(s.length / 2);
  const swapped = s[i] === 'A' ? 'B' : 'A';
  return `${h}.${p}.${s.slice(0, i)}${swapped}${s.slice(i + 1)}`;
}

const callTool = (name: string) => JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: {} } });

const SIGNATURE = /signature/i;
const MALFORMED = /not a (valid|well-formed) JWT/i;

/** Every row; see the file comment for the rules behind the statuses. */
export function badRequestRows(): Row[] {
  return [
    // ── controls: what must keep working ──────────────────────────────────
    { name: 'control: a valid token', status: 200, caller: { sub: 'test-user', clientId: 'test-client', scopes: ['mcp'] }, request: async (k) => withToken(await k.mint()) },
    { name: 'control: scheme in lower case ("bearer")', status: 200, request: async (k) => ({ headers: [['authorization', `bearer ${await k.mint()}`]] }) },
    { name: 'control: scheme in upper case ("BEARER")', status: 200, request: async (k) => ({ headers: [['authorization', `BEARER ${await k.mint()}`]] }) },
    { name: 'control: several spaces after the scheme (1*SP)', status: 200, request: async (k) => ({ headers: [['authorization', `Bearer    ${await k.mint()}`]] }) },
    { name: 'control: aud is an array that includes this resource', status: 200, request: async (k) => withToken(await k.mint({ aud: ['https://other.example/api', k.resource()] })) },
    { name: 'control: exp passed 10 s ago, inside the 30 s clock tolerance', status: 200, request: async (k) => withToken(await k.mint({ exp: now() - 10 })) },
    { name: 'control: nbf 10 s ahead, inside the clock tolerance', status: 200, request: async (k) => withToken(await k.mint({ nbf: now() + 10 })) },
    { name: 'control: scopes in "scp" as an array, client in "azp"', status: 200, caller: { clientId: 'azp-client', scopes: ['mcp', 'extra'] }, request: async (k) => withToken(await k.mint({ scope: undefined, scp: ['mcp', 'extra'], client_id: undefined, azp: 'azp-client' })) },
    { name: 'control: no kid in the header (one key in the JWKS)', status: 200, request: async (k) => withToken(await k.mint({}, { header: { kid: undefined } })) },
    { name: 'control: no sub (client-credentials tokens) is accepted', status: 200, caller: { sub: null, clientId: 'test-client' }, request: async (k) => withToken(await k.mint({ sub: undefined })) },
    { name: 'iat an hour in the future', status: 401, error: 'invalid_token', description: /"iat" \(issued at\) .* in the future/, request: async (k) => withToken(await k.mint({ iat: now() + 3600 })) },
    { name: 'control: iat a few seconds ahead (within the clock tolerance)', status: 200, request: async (k) => withToken(await k.mint({ iat: now() + 5 })) },
    { name: 'control: typ JWT is fine where at+jwt is not required', status: 200, request: async (k) => withToken(await k.mint({}, { header: { typ: 'JWT' } })) },
    { name: 'control (strict): typ at+jwt', status: 200, request: async (k) => withToken(await k.mint({}, {}, STRICT), STRICT) },
    { name: 'control (strict): typ application/at+jwt', status: 200, request: async (k) => withToken(await k.mint({}, { header: { typ: 'application/at+jwt' } }, STRICT), STRICT) },
    {
      name: 'control: a jku header is ignored (keys come from the configured issuer only)',
      status: 200,
      request: async (k) => {
        const before = k.attacker.jwksRequests;
        return { ...withToken(await k.mint({}, { header: { jku: k.attacker.jwksUri } })), after: () => expectUntouched(k, before) };
      },
    },
    { name: 'control: tools/list with a token lacking a per-tool scope (tools stay listed)', status: 200, request: async (k) => withToken(await k.mint()) },
    { name: 'control: tools/call of the guarded tool with its scope', status: 200, request: async (k) => ({ ...withToken(await k.mint({ scope: 'mcp mcp:admin' })), body: callTool('admin_report') }) },

    // ── claims wrong ─────────────────────────────────────────────────────
    { name: 'iss of another issuer', status: 401, error: 'invalid_token', description: /issuer mismatch/i, request: async (k) => withToken(await k.mint({ iss: 'https://evil.example' })) },
    { name: 'iss with an extra trailing slash', status: 401, error: 'invalid_token', description: /trailing slash/i, request: async (k) => withToken(await k.mint({ iss: `${k.issuer.issuer}/` })) },
    { name: 'iss missing', status: 401, error: 'invalid_token', description: /issuer/i, request: async (k) => withToken(await k.mint({ iss: undefined })) },
    { name: 'iss not a string', status: 401, error: 'invalid_token', description: /issuer/i, request: async (k) => withToken(await k.mint({ iss: 42 })) },
    { name: 'aud of another resource', status: 401, error: 'invalid_token', description: /audience mismatch/i, request: async (k) => withToken(await k.mint({ aud: 'https://other.example/mcp' })) },
    { name: 'aud array without this resource', status: 401, error: 'invalid_token', description: /audience mismatch/i, request: async (k) => withToken(await k.mint({ aud: ['https://a.example', 'https://b.example'] })) },
    { name: 'aud missing', status: 401, error: 'invalid_token', description: /audience/i, request: async (k) => withToken(await k.mint({ aud: undefined })) },
    { name: 'aud is the resource with a trailing slash (exact match only)', status: 401, error: 'invalid_token', description: /audience mismatch/i, request: async (k) => withToken(await k.mint({ aud: `${k.resource()}/` })) },
    { name: 'aud of the other endpoint on the same server', status: 401, error: 'invalid_token', description: /audience mismatch/i, request: async (k) => withToken(await k.mint({ aud: k.resource(STRICT) })) },
    { name: 'exp an hour ago', status: 401, error: 'invalid_token', description: /expired/i, request: async (k) => withToken(await k.mint({ exp: now() - 3600 })) },
    { name: 'exp missing', status: 401, error: 'invalid_token', description: /"exp"/, request: async (k) => withToken(await k.mint({ exp: undefined })) },
    { name: 'exp a string', status: 401, error: 'invalid_token', description: /exp/, request: async (k) => withToken(await k.mint({ exp: String(now() + 600) })) },
    { name: 'nbf an hour ahead', status: 401, error: 'invalid_token', description: /not valid before/i, request: async (k) => withToken(await k.mint({ nbf: now() + 3600 })) },
    { name: 'iat not a number', status: 401, error: 'invalid_token', description: /iat/, request: async (k) => withToken(await k.mint({ iat: 'yesterday' })) },
    { name: 'cnf: a sender-constrained token used as a bearer token', status: 401, error: 'invalid_token', request: async (k) => withToken(await k.mint({ cnf: { jkt: 'x'.repeat(43) } })) },

    // ── algorithms and keys ──────────────────────────────────────────────
    {
      name: 'alg none, no signature',
      status: 401,
      error: 'invalid_token',
      description: /algorithm/i,
      request: async (k) => {
        const [, payload] = parts(await k.mint());
        return withToken(`${json({ alg: 'none', typ: 'at+jwt' })}.${payload}.`);
      },
    },
    {
      name: 'alg "None" with the original signature kept',
      status: 401,
      error: 'invalid_token',
      description: /algorithm/i,
      request: async (k) => {
        const [, payload, signature] = parts(await k.mint());
        return withToken(`${json({ alg: 'None', typ: 'at+jwt', kid: k.issuer.kid })}.${payload}.${signature}`);
      },
    },
    { name: "HS256 signed with the issuer's public key PEM (key confusion)", status: 401, error: 'invalid_token', description: /algorithm/i, request: async (k) => withToken(await k.mint({}, { header: { alg: 'HS256' }, key: k.publicKeyPem })) },
    { name: 'RS512: an algorithm outside the allow-list', status: 401, error: 'invalid_token', description: /algorithm/i, request: async (k) => withToken(await k.signRs512({ iss: k.issuer.issuer, aud: k.resource(), sub: 'x', exp: now() + 300 })) },
    {
      name: 'header says ES256 (allowed) over an RS256 signature',
      status: 401,
      error: 'invalid_token',
      request: async (k) => {
        const [, payload, signature] = parts(await k.mint());
        return withToken(`${json({ alg: 'ES256', kid: k.issuer.kid, typ: 'at+jwt' })}.${payload}.${signature}`);
      },
    },
    {
      name: 'alg missing from the header',
      status: 401,
      error: 'invalid_token',
      description: /alg/,
      request: async (k) => {
        const [, payload, signature] = parts(await k.mint());
        return withToken(`${json({ kid: k.issuer.kid, typ: 'at+jwt' })}.${payload}.${signature}`);
      },
    },
    { name: 'crit header naming an unknown extension', status: 401, error: 'invalid_token', request: async (k) => withToken(await k.mint({}, { header: { crit: ['x-unknown'], 'x-unknown': true } })) },
    { name: 'unknown kid', status: 401, error: 'invalid_token', description: /no key/i, request: async (k) => withToken(await k.mint({}, { header: { kid: 'no-such-key' } })) },
    { name: "signed by the attacker's key under the issuer's kid", status: 401, error: 'invalid_token', description: SIGNATURE, request: async (k) => withToken(await k.attacker.mint({ iss: k.issuer.issuer, aud: k.resource(), scope: 'mcp' }, { header: { kid: k.issuer.kid } })) },
    {
      name: "jku pointing at the attacker's JWKS, signed by the attacker",
      status: 401,
      error: 'invalid_token',
      request: async (k) => {
        const before = k.attacker.jwksRequests;
        const token = await k.attacker.mint({ iss: k.issuer.issuer, aud: k.resource(), scope: 'mcp' }, { header: { jku: k.attacker.jwksUri } });
        return { ...withToken(token), after: () => expectUntouched(k, before) };
      },
    },
    {
      name: "embedded jwk header with the attacker's key, signed by the attacker",
      status: 401,
      error: 'invalid_token',
      request: async (k) => {
        const { kid: _kid, ...jwk } = k.attackerPublicJwk;
        return withToken(await k.attacker.mint({ iss: k.issuer.issuer, aud: k.resource(), scope: 'mcp' }, { header: { kid: undefined, jwk } }));
      },
    },
    { name: 'strict: typ JWT where at+jwt is required', status: 401, error: 'invalid_token', description: /at\+jwt/, request: async (k) => withToken(await k.mint({}, { header: { typ: 'JWT' } }, STRICT), STRICT) },
    { name: 'strict: typ missing where at+jwt is required', status: 401, error: 'invalid_token', description: /at\+jwt/, request: async (k) => withToken(await k.mint({}, { header: { typ: undefined } }, STRICT), STRICT) },

    // ── the token's structure ────────────────────────────────────────────
    {
      name: 'payload tampered (sub changed, signature kept)',
      status: 401,
      error: 'invalid_token',
      description: SIGNATURE,
      request: async (k) => {
        const token = await k.mint();
        const [h, p, s] = parts(token);
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
        return withToken(`${h}.${json({ ...claims, sub: 'admin' })}.${s}`);
      },
    },
    { name: 'signature tampered (one character)', status: 401, error: 'invalid_token', description: SIGNATURE, request: async (k) => withToken(flipSignature(await k.mint())) },
    {
      name: 'signature truncated to half',
      status: 401,
      error: 'invalid_token',
      request: async (k) => {
        const [h, p, s] = parts(await k.mint());
        return withToken(`${h}.${p}.${s.slice(0, s.length / 2)}`);
      },
    },
    {
      name: 'signature removed ("header.payload.")',
      status: 401,
      error: 'invalid_token',
      request: async (k) => {
        const [h, p] = parts(await k.mint());
        return withToken(`${h}.${p}.`);
      },
    },
    { name: 'not a JWT (an opaque string, no introspection configured)', status: 401, error: 'invalid_token', description: MALFORMED, request: () => withToken('this-is-an-opaque-token-of-some-kind') },
    { name: 'two dots, empty parts ("..")', status: 401, error: 'invalid_token', description: MALFORMED, request: () => withToken('..') },
    { name: 'garbage base64 in three parts', status: 401, error: 'invalid_token', description: MALFORMED, request: () => withToken('a.b.c') },
    { name: 'header is base64url but not JSON', status: 401, error: 'invalid_token', description: MALFORMED, request: async (k) => withToken(`${b64('not json at all')}.${parts(await k.mint())[1]}.c2ln`) },
    { name: 'payload is signed but not JSON', status: 401, error: 'invalid_token', description: MALFORMED, request: async (k) => withToken(await k.issuer.signPayload('not json at all', { typ: 'at+jwt' })) },
    { name: 'payload is a JSON array', status: 401, error: 'invalid_token', description: MALFORMED, request: async (k) => withToken(await k.issuer.signPayload('["iss","aud"]', { typ: 'at+jwt' })) },
    { name: 'five parts (JWE-shaped)', status: 401, error: 'invalid_token', description: MALFORMED, request: async (k) => withToken(`${await k.mint()}.AAAA.BBBB`) },
    { name: 'oversized token (100 KB, validly signed)', status: 401, error: 'invalid_token', description: /larger than|too large/i, request: async (k) => withToken(await k.mint({ padding: 'x'.repeat(100_000) })) },
    { name: 'space inside the token', status: 401, error: 'invalid_token', request: async (k) => ({ headers: [['authorization', `Bearer ${(await k.mint()).replace('.', ' .')}`]] }) },
    { name: 'non-ASCII bytes in the token', status: 401, error: 'invalid_token', request: async (k) => ({ headers: [['authorization', `Bearer ${await k.mint()}${Buffer.from('é✓', 'utf8').toString('latin1')}`]] }) },

    // ── the Authorization header and the request ─────────────────────────
    { name: 'no Authorization header', status: 401, request: () => ({ headers: [] }) },
    { name: 'empty Authorization header', status: 401, request: () => ({ headers: [['authorization', '']] }) },
    { name: '"Bearer" with no token', status: 401, error: 'invalid_token', request: () => ({ headers: [['authorization', 'Bearer']] }) },
    { name: 'Basic credentials', status: 401, request: () => ({ headers: [['authorization', `Basic ${b64('alice:correct horse battery')}`]] }) },
    { name: 'DPoP scheme (not supported: treated as no bearer token)', status: 401, request: async (k) => ({ headers: [['authorization', `DPoP ${await k.mint()}`]] }) },
    { name: '"Bearer" glued to the token (no space)', status: 401, request: async (k) => ({ headers: [['authorization', `Bearer${await k.mint()}`]] }) },
    { name: 'two Authorization headers, both valid', status: 400, error: 'invalid_request', request: async (k) => ({ headers: [...bearer(await k.mint()), ...bearer(await k.mint())] }) },
    { name: 'two Authorization headers, Bearer and Basic', status: 400, error: 'invalid_request', request: async (k) => ({ headers: [...bearer(await k.mint()), ['authorization', `Basic ${b64('a:b')}`]] }) },
    { name: 'two tokens in one header, comma-separated', status: 400, error: 'invalid_request', request: async (k) => ({ headers: [['authorization', `Bearer ${await k.mint()}, Bearer ${await k.mint()}`]] }) },
    { name: 'token in the query string only', status: 400, error: 'invalid_request', description: /query/i, request: async (k) => ({ headers: [], query: `access_token=${await k.mint()}` }) },
    { name: 'token in the query string and the header', status: 400, error: 'invalid_request', request: async (k) => ({ headers: bearer(await k.mint()), query: `access_token=${await k.mint()}` }) },
    { name: 'headers larger than the server accepts (Node answers 431 before the gate)', status: 431, request: async (k) => ({ headers: [...bearer(await k.mint()), ['x-padding', 'p'.repeat(300 * 1024)]] }) },

    // ── scopes ───────────────────────────────────────────────────────────
    { name: 'valid token without the required scope', status: 403, error: 'insufficient_scope', scope: ['mcp'], request: async (k) => withToken(await k.mint({ scope: 'other' })) },
    { name: 'valid token without any scope', status: 403, error: 'insufficient_scope', scope: ['mcp'], request: async (k) => withToken(await k.mint({ scope: undefined })) },
    { name: 'tools/call of a tool that needs mcp:admin, without it', status: 403, error: 'insufficient_scope', scope: ['mcp', 'mcp:admin'], request: async (k) => ({ ...withToken(await k.mint()), body: callTool('admin_report') }) },
    {
      name: 'the same tools/call hidden in a JSON-RPC batch',
      status: 403,
      error: 'insufficient_scope',
      scope: ['mcp', 'mcp:admin'],
      request: async (k) => ({ ...withToken(await k.mint()), body: `[${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })},${callTool('admin_report')}]` }),
    },
  ];
}

function expectUntouched(k: Kit, jwksRequestsBefore: number): void {
  if (k.attacker.jwksRequests !== jwksRequestsBefore) throw new Error("Gatehouse fetched the attacker's JWKS named in a jku header");
}
