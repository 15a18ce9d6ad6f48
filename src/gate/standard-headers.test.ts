import { describe, expect, it } from 'vitest';
import { decodeHeaderValue, headerMismatchResponse, standardHeaderMismatch } from './standard-headers.js';

const V = '2026-07-28';
const meta = (version: unknown = V) => ({ 'io.modelcontextprotocol/protocolVersion': version, 'io.modelcontextprotocol/clientCapabilities': {} });
const modern = (method: string, params: Record<string, unknown> = {}, id: unknown = 7) => ({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta() } });
const legacy = (method: string, params: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: 3, method, params });
const b64 = (text: string) => `=?base64?${Buffer.from(text, 'utf8').toString('base64')}?=`;

function check(headers: Record<string, string>, body: unknown) {
  return standardHeaderMismatch(new Headers(headers), body);
}
const ok = { 'mcp-protocol-version': V };

describe('standardHeaderMismatch', () => {
  it.each([
    ['a tools/call that agrees', { ...ok, 'mcp-method': 'tools/call', 'mcp-name': 'search' }, modern('tools/call', { name: 'search' })],
    ['a resources/read that agrees', { ...ok, 'mcp-method': 'resources/read', 'mcp-name': 'file:///a b' }, modern('resources/read', { uri: 'file:///a b' })],
    ['a Base64 name', { ...ok, 'mcp-method': 'prompts/get', 'mcp-name': b64('révision') }, modern('prompts/get', { name: 'révision' })],
    ['optional whitespace around values', { 'mcp-protocol-version': ` ${V}\t`, 'mcp-method': ' tools/list ' }, modern('tools/list')],
    ['server/discover', { ...ok, 'mcp-method': 'server/discover' }, modern('server/discover')],
    ['a legacy request without headers', {}, legacy('tools/call', { name: 'search' })],
    ['a legacy request with its own version header', { 'mcp-protocol-version': '2025-11-25' }, legacy('tools/call', { name: 'x' })],
    ['a legacy batch', { 'mcp-protocol-version': '2025-06-18' }, [legacy('tools/list'), legacy('tools/call', { name: 'x' })]],
    ['a modern notification without headers', {}, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { _meta: meta() } }],
    ['a body that is not JSON-RPC', { 'mcp-method': 'tools/call' }, undefined],
  ])('passes %s', (_label, headers, body) => {
    expect(check(headers, body)).toBeUndefined();
  });

  it.each([
    ['Mcp-Method ≠ method', { ...ok, 'mcp-method': 'tools/list' }, modern('tools/call', { name: 'x' }), /Mcp-Method header names "tools\/list" but the body's method is "tools\/call"/],
    ['Mcp-Method in another case', { ...ok, 'mcp-method': 'Tools/Call', 'mcp-name': 'x' }, modern('tools/call', { name: 'x' }), /Mcp-Method/],
    ['Mcp-Name ≠ tool name', { ...ok, 'mcp-method': 'tools/call', 'mcp-name': 'search' }, modern('tools/call', { name: 'delete_file' }), /Mcp-Name header names "search" but the body's params.name is "delete_file"/],
    ['Mcp-Name ≠ resource URI', { ...ok, 'mcp-method': 'resources/read', 'mcp-name': 'file:///public' }, modern('resources/read', { uri: 'file:///secret' }), /params.uri/],
    ['Mcp-Name ≠ prompt name', { ...ok, 'mcp-method': 'prompts/get', 'mcp-name': 'a' }, modern('prompts/get', { name: 'b' }), /params.name is "b"/],
    ['a Cyrillic look-alike', { ...ok, 'mcp-method': 'tools/call', 'mcp-name': b64('sеarch') }, modern('tools/call', { name: 'search' }), /Mcp-Name/],
    ['an inner space', { ...ok, 'mcp-method': 'tools/call', 'mcp-name': 'sea rch' }, modern('tools/call', { name: 'search' }), /Mcp-Name/],
    ['repeated Mcp-Name lines (joined)', { ...ok, 'mcp-method': 'tools/call', 'mcp-name': 'search, delete_file' }, modern('tools/call', { name: 'delete_file' }), /Mcp-Name/],
    ['invalid Base64', { ...ok, 'mcp-method': 'tools/call', 'mcp-name': '=?base64?!!!?=' }, modern('tools/call', { name: 'x' }), /not valid =\?base64/],
    ['non-canonical Base64', { ...ok, 'mcp-method': 'tools/call', 'mcp-name': '=?base64?eA?=' }, modern('tools/call', { name: 'x' }), /not valid/],
    ['Base64 of invalid UTF-8', { ...ok, 'mcp-method': 'tools/call', 'mcp-name': '=?base64?/w==?=' }, modern('tools/call', { name: 'x' }), /not valid/],
    ['MCP-Protocol-Version ≠ _meta', { 'mcp-protocol-version': '2025-11-25', 'mcp-method': 'tools/list' }, modern('tools/list'), /MCP-Protocol-Version header names "2025-11-25" but the body's _meta names protocol version "2026-07-28"/],
    ['a modern version header on a request without _meta', { ...ok, 'mcp-method': 'tools/call', 'mcp-name': 'x' }, legacy('tools/call', { name: 'x' }), /_meta names no protocol version/],
    ['_meta without the version header', { 'mcp-method': 'tools/list' }, modern('tools/list'), /MCP-Protocol-Version header is missing/],
    ['a modern request without Mcp-Method', ok, modern('tools/list'), /Mcp-Method header is missing/],
    ['a modern tools/call without Mcp-Name', { ...ok, 'mcp-method': 'tools/call' }, modern('tools/call', { name: 'x' }), /Mcp-Name header is missing; tools\/call/],
    ['a modern resources/read without Mcp-Name', { ...ok, 'mcp-method': 'resources/read' }, modern('resources/read', { uri: 'file:///x' }), /Mcp-Name header is missing/],
    ['a modern prompts/get without Mcp-Name', { ...ok, 'mcp-method': 'prompts/get' }, modern('prompts/get', { name: 'p' }), /Mcp-Name header is missing/],
    ['Mcp-Name on a method that names nothing', { ...ok, 'mcp-method': 'tools/list', 'mcp-name': 'x' }, modern('tools/list'), /names nothing/],
    ['Mcp-Name with no name in the body', { ...ok, 'mcp-method': 'tools/call', 'mcp-name': 'x' }, modern('tools/call'), /params.name is undefined/],
    ['a legacy request whose Mcp-Method disagrees', { 'mcp-method': 'tools/list' }, legacy('tools/call', { name: 'x' }), /Mcp-Method/],
    ['a legacy request whose Mcp-Name disagrees', { 'mcp-name': 'search' }, legacy('tools/call', { name: 'delete_file' }), /Mcp-Name/],
    ['a batch with Mcp-Method', { 'mcp-method': 'tools/call' }, [legacy('tools/call', { name: 'x' })], /batch/],
    ['a batch with Mcp-Name', { 'mcp-name': 'x' }, [legacy('tools/call', { name: 'x' })], /batch/],
    ['a batch with a modern version header', ok, [legacy('tools/list')], /batch/],
    ['a response with Mcp-Method', { 'mcp-method': 'tools/call' }, { jsonrpc: '2.0', id: 1, result: {} }, /has no method/],
    ['a notification whose Mcp-Method disagrees', { ...ok, 'mcp-method': 'notifications/progress' }, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { _meta: meta() } }, /Mcp-Method/],
  ])('refuses %s', (_label, headers, body, message) => {
    const mismatch = check(headers, body);
    expect(mismatch?.message).toMatch(message);
    expect(mismatch?.status).toBe(400);
  });

  it('carries the request id when the body has one, and cuts huge names short', () => {
    const huge = 'x'.repeat(100_000);
    const mismatch = check({ ...ok, 'mcp-method': 'tools/call', 'mcp-name': 'y' }, modern('tools/call', { name: huge }, 'req-1'));
    expect(mismatch?.requestId).toBe('req-1');
    expect(mismatch!.message.length).toBeLessThan(400);
    expect(check({ ...ok }, modern('tools/list', {}, null))?.requestId).toBeNull();
  });
});

describe('decodeHeaderValue', () => {
  it('decodes the Base64 form and leaves plain values alone', () => {
    expect(decodeHeaderValue(b64('é'))).toBe('é');
    expect(decodeHeaderValue('plain')).toBe('plain');
    expect(decodeHeaderValue('=?base64??=')).toBe('');
  });
});

describe('headerMismatchResponse', () => {
  it('answers 400 with the JSON-RPC error -32020 and the request id', async () => {
    const response = headerMismatchResponse(check({ ...ok, 'mcp-method': 'tools/list' }, modern('tools/call', { name: 'x' }, 9))!);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ jsonrpc: '2.0', id: 9, error: { code: -32020, message: expect.stringMatching(/^Bad Request: the request headers and body disagree: the Mcp-Method header/) } });
  });
});
