import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import type { GatehouseConfigInput } from '../config/schema.js';
import { UpstreamMetadata } from '../discovery/upstream.js';
import { InvalidTokenError, RequestTooLargeError } from '../errors.js';
import { startTestIssuer, type TestIssuer } from '../testing/test-issuer.js';
import { createVerifier } from '../tokens/create-verifier.js';
import type { AuthInfo, TokenVerifier, VerifyContext } from '../tokens/types.js';
import { authenticateRequest, type GateContext } from './authenticate.js';

const publicUrl = 'https://mcp.example.com';
const resource = `${publicUrl}/mcp`;
const prm = `${publicUrl}/.well-known/oauth-protected-resource/mcp`;

/**
 * Our own TokenVerifier interface, implemented in the test: a token is
 * `scopes:<space-separated scopes>`, `throw:<kind>` throws, anything else is invalid.
 */
class ScriptedVerifier implements TokenVerifier {
  readonly contexts: VerifyContext[] = [];
  async verify(token: string, context: VerifyContext): Promise<AuthInfo> {
    this.contexts.push(context);
    if (token === 'throw.plain') throw new Error(`boom while verifying ${token}`);
    if (token === 'throw.string') throw 'not even an Error';
    if (token === 'throw.type') return (undefined as unknown as { x: AuthInfo }).x;
    if (token.startsWith('scopes.')) {
      const scopes = token.slice('scopes.'.length).split('.').filter(Boolean).map((s) => s.replace('_', ':'));
      return { token, clientId: 'client-1', scopes, extra: { sub: 'user-1' } };
    }
    throw new InvalidTokenError('ERR_JWS_SIGNATURE_INVALID', 'The token signature is invalid');
  }
}

function contextFor(input: Partial<GatehouseConfigInput>, verifier: TokenVerifier = new ScriptedVerifier()): GateContext {
  return { config: resolveConfig({ issuer: 'https://idp.example.com', publicUrl, ...input }), verifier };
}

function post(token: string | undefined, body?: string, headers: Record<string, string> = {}): Request {
  return new Request(`${publicUrl}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
  });
}

const call = (name: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });

describe('authenticateRequest with an in-test verifier', () => {
  it('passes a good token and fills in the resource', async () => {
    const verifier = new ScriptedVerifier();
    const result = await authenticateRequest(post('scopes.mcp'), contextFor({}, verifier));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.authInfo.resource?.href).toBe(resource);
    expect(verifier.contexts[0]).toEqual({ resource, audience: [resource] });
  });

  it('hands the configured audience to the verifier', async () => {
    const verifier = new ScriptedVerifier();
    await authenticateRequest(post('scopes.mcp'), contextFor({ audience: ['api://mcp', 'other'] }, verifier));
    expect(verifier.contexts[0]!.audience).toEqual(['api://mcp', 'other']);
  });

  it('answers a missing token with 401 and a challenge without error', async () => {
    const result = await authenticateRequest(post(undefined), contextFor({ scopes: { required: ['mcp'] } }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.response.status).toBe(401);
    expect(result.response.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${prm}", scope="mcp"`);
  });

  it.each([
    ['a plain Error', 'throw.plain'],
    ['a thrown string', 'throw.string'],
    ['a TypeError from a broken verifier', 'throw.type'],
  ])('turns %s from the verifier into 401 ERR_VERIFICATION_FAILED, never 500', async (_name, token) => {
    const result = await authenticateRequest(post(token), contextFor({}));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.response.status).toBe(401);
    expect(result.error.code).toBe('ERR_VERIFICATION_FAILED');
    expect(result.response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await result.response.text()).not.toContain('boom');
  });

  it('turns a failed preparation into 401 ERR_JWKS_UNAVAILABLE', async () => {
    const context = { ...contextFor({}), prepare: () => Promise.reject(new Error('IdP down')) };
    const result = await authenticateRequest(post('scopes.mcp'), context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect([result.response.status, result.error.code]).toEqual([401, 'ERR_JWKS_UNAVAILABLE']);
  });

  it('answers a missing required scope with 403, asking for required ∪ granted', async () => {
    const result = await authenticateRequest(post('scopes.profile'), contextFor({ scopes: { required: ['mcp', 'offline_access'] } }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.response.status).toBe(403);
    const header = result.response.headers.get('www-authenticate')!;
    expect(header).toContain('error="insufficient_scope"');
    expect(header).toContain('scope="mcp profile"');
    expect(header).toContain(`resource_metadata="${prm}"`);
  });

  describe('per-tool scopes', () => {
    const tools = { scopes: { required: ['mcp'], tools: { delete_file: ['files:write'] } } };

    it('lets a tools/call through when the token has the tool scope', async () => {
      const result = await authenticateRequest(post('scopes.mcp.files_write', call('delete_file')), contextFor(tools));
      expect(result.ok).toBe(true);
    });

    it('steps up a tools/call read from the request body, and leaves the body for the server', async () => {
      const request = post('scopes.mcp', call('delete_file'));
      const result = await authenticateRequest(request, contextFor(tools));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.response.status).toBe(403);
      expect(result.response.headers.get('www-authenticate')).toContain('scope="mcp files:write"');
      expect(await request.json()).toMatchObject({ method: 'tools/call' });
    });

    it('uses options.body when the framework has parsed it', async () => {
      const request = new Request(`${publicUrl}/mcp`, { method: 'POST', headers: { authorization: 'Bearer scopes.mcp' } });
      const result = await authenticateRequest(request, contextFor(tools), { body: JSON.parse(call('delete_file')) });
      expect(result.ok).toBe(false);
    });

    it('checks every message of a batch', async () => {
      const batch = `[${call('read_file')},${call('delete_file')}]`;
      const result = await authenticateRequest(post('scopes.mcp', batch), contextFor(tools));
      expect(result.ok).toBe(false);
    });

    it('lets tools/list, unknown tools and malformed bodies through to the MCP server', async () => {
      for (const body of [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), call('read_file'), '{not json', '"a string"', '']) {
        const result = await authenticateRequest(post('scopes.mcp', body), contextFor(tools));
        expect(result.ok).toBe(true);
      }
      const get = new Request(`${publicUrl}/mcp`, { headers: { authorization: 'Bearer scopes.mcp' } });
      expect((await authenticateRequest(get, contextFor(tools))).ok).toBe(true);
    });

    it('reads a gzip-compressed body, as body parsers do', async () => {
      const gz = await new Response(new Blob([call('delete_file')]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
      const request = new Request(`${publicUrl}/mcp`, {
        method: 'POST',
        headers: { authorization: 'Bearer scopes.mcp', 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gz,
      });
      const result = await authenticateRequest(request, contextFor(tools));
      expect(result.ok).toBe(false);
    });

    it('reads a body whatever its content type, so a lenient server cannot be tricked', async () => {
      const result = await authenticateRequest(post('scopes.mcp', call('delete_file'), { 'content-type': 'text/plain' }), contextFor(tools));
      expect(result.ok).toBe(false);
    });

    it('refuses a body it cannot inspect (400) or over the cap (413) rather than letting a tools/call skip its check', async () => {
      const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_file', arguments: { pad: 'x'.repeat(5 * 1024 * 1024) } } });
      const tooLarge = await authenticateRequest(post('scopes.mcp', big), contextFor(tools));
      const brotli = await authenticateRequest(post('scopes.mcp', 'xx', { 'content-encoding': 'br' }), contextFor(tools));
      const outcomes = [tooLarge, brotli].map((result) => (result.ok ? 'ok' : [result.response.status, result.error.code]));
      expect(outcomes).toEqual([
        [413, 'ERR_REQUEST_BODY_TOO_LARGE'],
        [400, 'ERR_REQUEST_BODY_UNCHECKABLE'],
      ]);
    });

    it('calls options.readBody only once the token is verified and the required scopes are there', async () => {
      const reads: string[] = [];
      const readBody = (token: string) => async () => {
        reads.push(token);
        return JSON.parse(call('delete_file')) as unknown;
      };
      const light = (token?: string) => ({ method: 'POST', url: `${publicUrl}/mcp`, headers: new Headers(token ? { authorization: `Bearer ${token}` } : {}) });
      const outcomes = [];
      for (const token of [undefined, 'not-scripted', 'scopes.other', 'scopes.mcp', 'scopes.mcp.files_write']) {
        const result = await authenticateRequest(light(token), contextFor(tools), { readBody: readBody(String(token)) });
        outcomes.push(result.ok ? 200 : result.response.status);
      }
      expect(outcomes).toEqual([401, 401, 403, 403, 200]);
      expect(reads).toEqual(['scopes.mcp', 'scopes.mcp.files_write']);
    });

    it('calls options.readBody as a method of the options, so an adapter can pass one object per request', async () => {
      class Reader {
        readonly text = call('delete_file');
        readBody(): Promise<unknown> {
          return Promise.resolve(JSON.parse(this.text) as unknown);
        }
      }
      const light = (token: string) => ({ method: 'POST', url: `${publicUrl}/mcp`, headers: new Headers({ authorization: `Bearer ${token}` }) });
      const allowed = await authenticateRequest(light('scopes.mcp.files_write'), contextFor(tools), new Reader());
      const stepUp = await authenticateRequest(light('scopes.mcp'), contextFor(tools), new Reader());
      expect([allowed, stepUp].map((result) => (result.ok ? 200 : result.response.status))).toEqual([200, 403]);
    });

    it("answers with options.readBody's OAuth error (413), and a body that cannot be read with 400, not 401", async () => {
      const light = { method: 'POST', url: `${publicUrl}/mcp`, headers: new Headers({ authorization: 'Bearer scopes.mcp' }) };
      const tooLarge = await authenticateRequest(light, contextFor(tools), { readBody: () => Promise.reject(new RequestTooLargeError(10)) });
      const cutOff = await authenticateRequest(light, contextFor(tools), { readBody: () => Promise.reject(new Error('socket hang up')) });
      expect([tooLarge, cutOff].map((result) => (result.ok ? 'ok' : [result.response.status, result.error.code]))).toEqual([
        [413, 'ERR_REQUEST_BODY_TOO_LARGE'],
        [400, 'ERR_REQUEST_BODY_UNCHECKABLE'],
      ]);
    });

    it('does not read the body when no tool has scopes', async () => {
      const request = post('scopes.mcp', call('delete_file'));
      const result = await authenticateRequest(request, contextFor({}));
      expect(result.ok).toBe(true);
      expect(request.bodyUsed).toBe(false);
    });
  });
});

describe('authenticateRequest with the built-in verifier and a real issuer', () => {
  let issuer: TestIssuer;
  let upstream: UpstreamMetadata;
  let context: GateContext;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: resource });
    const config = resolveConfig({ issuer: issuer.issuer, publicUrl, scopes: { required: ['mcp'] } });
    upstream = new UpstreamMetadata({ issuer: config.issuer, refreshIntervalSec: 0 });
    context = { config, verifier: createVerifier(config, upstream), prepare: () => (upstream.current ? undefined : upstream.load().then(() => undefined)) };
  });
  afterAll(async () => {
    upstream.close();
    await issuer.close();
  });

  it('accepts a token minted for this resource', async () => {
    const result = await authenticateRequest(post(await issuer.mint()), context);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.authInfo).toMatchObject({ clientId: 'test-client', scopes: ['mcp'] });
  });

  it('refuses a token for another audience with 401 invalid_token', async () => {
    const result = await authenticateRequest(post(await issuer.mint({ aud: 'https://other.example.com/mcp' })), context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.response.status).toBe(401);
    expect(result.error.code).toBe('ERR_JWT_AUDIENCE_MISMATCH');
  });

  it('refuses an expired token with 401', async () => {
    const result = await authenticateRequest(post(await issuer.mint({ exp: Math.floor(Date.now() / 1000) - 3600 })), context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('ERR_JWT_EXPIRED');
  });

  it('answers 403 when the token lacks the required scope', async () => {
    const result = await authenticateRequest(post(await issuer.mint({ scope: 'profile' })), context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.response.status).toBe(403);
  });
});
