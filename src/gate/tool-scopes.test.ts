import { describe, expect, it } from 'vitest';
import { toolScopesFor } from './tool-scopes.js';

const tools = { delete_file: ['files:write'], admin_report: ['admin', 'offline_access'], free: [] };
const call = (name: unknown, id = 1) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

describe('toolScopesFor', () => {
  it('finds the scopes of a single tools/call', () => {
    expect(toolScopesFor(call('delete_file'), tools)).toEqual({ tools: ['delete_file'], scopes: ['files:write'] });
  });

  it('collects every tools/call of a batch', () => {
    const batch = [call('delete_file', 1), { jsonrpc: '2.0', id: 2, method: 'tools/list' }, call('admin_report', 3), call('delete_file', 4)];
    expect(toolScopesFor(batch, tools)).toEqual({ tools: ['delete_file', 'admin_report'], scopes: ['files:write', 'admin'] });
  });

  it('needs nothing for unknown tools, tools without scopes, tools/list and other methods', () => {
    expect(toolScopesFor(call('unknown'), tools).scopes).toEqual([]);
    expect(toolScopesFor(call('free'), tools)).toEqual({ tools: [], scopes: [] });
    expect(toolScopesFor({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, tools).scopes).toEqual([]);
    expect(toolScopesFor({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { name: 'delete_file' } }, tools).scopes).toEqual([]);
  });

  it('does not look tool names up on Object.prototype', () => {
    expect(toolScopesFor(call('constructor'), tools).scopes).toEqual([]);
    expect(toolScopesFor(call('__proto__'), tools).scopes).toEqual([]);
    expect(toolScopesFor(call('toString'), tools).scopes).toEqual([]);
  });

  it('ignores malformed bodies without throwing', () => {
    for (const body of [undefined, null, 42, 'tools/call', [], [null, 1, 'x'], { method: 'tools/call' }, { method: 'tools/call', params: null }, call(42), call({ toString: 'delete_file' })]) {
      expect(toolScopesFor(body, tools)).toEqual({ tools: [], scopes: [] });
    }
  });
});
