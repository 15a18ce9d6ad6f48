import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import type { GatehouseConfigInput } from '../config/schema.js';
import type { AuthInfo, TokenVerifier } from '../tokens/types.js';
import { authenticateRequest, type GateContext } from './authenticate.js';

/** The MCP 2026-07-28 side of the gate: header/body cross-check, per-name scopes, hierarchies (see gate-2026.test.ts for the same over real HTTP). */

const publicUrl = 'https://mcp.example.com';

/** A token is `scopes.<scope>.<scope>` (`_` for `:`), anything else is refused. */
const verifier: TokenVerifier = {
  async verify(token: string): Promise<AuthInfo> {
    const scopes = token.slice('scopes.'.length).split('.').filter(Boolean).map((s) => s.replace('_', ':'));
    return { token, clientId: 'client-1', scopes, extra: { sub: 'user-1' } };
  },
};

function contextFor(input: Partial<GatehouseConfigInput>): GateContext {
  return { config: resolveConfig({ issuer: 'https://idp.example.com', publicUrl, ...input }), verifier };
}

const modernHeaders = (method: string, name?: string) => ({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) });
const modernBody = (method: string, params: Record<string, unknown> = {}, id = 5) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } });

function post(token: string, body: string, headers: Record<string, string> = {}): Request {
  return new Request(`${publicUrl}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body });
}

const rules: Partial<GatehouseConfigInput> = {
  scopes: { required: ['mcp:tools'], tools: { delete_file: ['files:write'] }, implies: { 'mcp:admin': ['mcp:tools', 'files:write'] } },
};

describe('authenticateRequest on 2026-07-28 requests', () => {
  it('refuses a header/body disagreement with 400 and -32020, before the per-tool check, with the request id and no challenge', async () => {
    // The token lacks files:write: the disagreement is still what is answered, so the policy never ran on a lie.
    const result = await authenticateRequest(post('scopes.mcp_tools', modernBody('tools/call', { name: 'delete_file' }, 42), modernHeaders('tools/call', 'search')), contextFor(rules));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('ERR_HEADER_MISMATCH');
    expect(result.response.status).toBe(400);
    expect(result.response.headers.get('www-authenticate')).toBeNull();
    expect(await result.response.json()).toEqual({ jsonrpc: '2.0', id: 42, error: { code: -32020, message: expect.stringContaining('the Mcp-Name header names "search" but the body\'s params.name is "delete_file"') } });
  });

  it('lets a token with an implying scope through the required and the per-tool check', async () => {
    const result = await authenticateRequest(post('scopes.mcp_admin', modernBody('tools/call', { name: 'delete_file' }), modernHeaders('tools/call', 'delete_file')), contextFor(rules));
    expect(result.ok).toBe(true);
  });

  it('names, in the one 403, the implying scope rather than what it implies', async () => {
    const config = { scopes: { required: ['mcp:tools'], tools: { delete_file: ['files:write'], deploy: ['deploy'] }, implies: { 'mcp:admin': ['mcp:tools', 'files:write'] } } };
    const result = await authenticateRequest(post('scopes.mcp_admin', modernBody('tools/call', { name: 'deploy' }), modernHeaders('tools/call', 'deploy')), contextFor(config));
    expect(result.ok ? 200 : result.response.headers.get('www-authenticate')).toMatch(/scope="mcp:admin deploy", error="insufficient_scope"/);
  });

  it('leaves a legacy request without the headers alone', async () => {
    const legacy = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_file' } });
    const result = await authenticateRequest(post('scopes.mcp_tools.files_write', legacy), contextFor(rules));
    expect(result.ok).toBe(true);
  });

  it('reads no body without per-name rules (when-read), and every POST body with headerCheck: always', async () => {
    const lie = post('scopes.mcp_tools', modernBody('tools/call', { name: 'delete_file' }), modernHeaders('tools/call', 'search'));
    const whenRead = await authenticateRequest(lie.clone(), contextFor({ scopes: { required: ['mcp:tools'] } }));
    expect(whenRead.ok).toBe(true);
    const always = await authenticateRequest(lie, contextFor({ scopes: { required: ['mcp:tools'] }, headerCheck: 'always' }));
    expect(always.ok ? 200 : always.response.status).toBe(400);
  });

  it('checks a body an adapter hands over parsed, whatever the rules', async () => {
    const request = { method: 'POST', url: `${publicUrl}/mcp`, headers: new Headers({ authorization: 'Bearer scopes.', ...modernHeaders('tools/list') }) };
    const result = await authenticateRequest(request, contextFor({}), { body: JSON.parse(modernBody('tools/call', { name: 'x' })) });
    expect(result.ok ? 200 : result.response.status).toBe(400);
  });

  it('checks resources/read and prompts/get scopes', async () => {
    const config = { scopes: { resources: { 'file:///secret/*': ['files:secret'] }, prompts: { review: ['prompts:review'] } } };
    const read = await authenticateRequest(post('scopes.', modernBody('resources/read', { uri: 'file:///secret/k' }), modernHeaders('resources/read', 'file:///secret/k')), contextFor(config));
    const prompt = await authenticateRequest(post('scopes.', modernBody('prompts/get', { name: 'review' }), modernHeaders('prompts/get', 'review')), contextFor(config));
    expect([read, prompt].map((r) => (r.ok ? 200 : [r.response.status, r.error.error_description]))).toEqual([
      [403, 'Resource file:///secret/k needs the scope(s) files:secret'],
      [403, 'Prompt review needs the scope(s) prompts:review'],
    ]);
  });
});

describe('the 401 challenge and scope hierarchies', () => {
  it('names no required scope another required one implies', async () => {
    const request = new Request(`${publicUrl}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const result = await authenticateRequest(request, contextFor({ scopes: { required: ['mcp:tools', 'mcp:admin'], implies: { 'mcp:admin': ['mcp:tools'] } } }));
    expect(result.ok ? 200 : result.response.headers.get('www-authenticate')).toMatch(/scope="mcp:admin"$/);
  });
});
