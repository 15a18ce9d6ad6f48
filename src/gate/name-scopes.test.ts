import { describe, expect, it } from 'vitest';
import { describeStepUp, nameScopeRules, nameStepUp } from './name-scopes.js';

const tools = { delete_file: ['files:write'], admin_report: ['admin', 'offline_access'], free: [] };
const rules = nameScopeRules({
  tools,
  resources: { 'file:///secret/*': ['files:secret'], 'docs://handbook': ['docs:read'] },
  prompts: { code_review: ['prompts:review'] },
  implies: { 'mcp:admin': ['mcp:tools', 'files:write'], 'files:write': ['files:read'] },
});
const call = (name: unknown, id = 1) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });
const read = (uri: unknown, id = 1) => ({ jsonrpc: '2.0', id, method: 'resources/read', params: { uri } });
const prompt = (name: unknown, id = 1) => ({ jsonrpc: '2.0', id, method: 'prompts/get', params: { name } });

describe('nameStepUp', () => {
  it('is null when the token has every scope the calls need', () => {
    expect(nameStepUp(call('delete_file'), rules, ['mcp', 'files:write'], ['mcp'])).toBeNull();
    expect(nameStepUp(call('unknown'), rules, [], ['mcp'])).toBeNull();
    expect(nameStepUp(read('file:///public/a'), rules, [], [])).toBeNull();
  });

  it("asks for required ∪ granted ∪ the calls' scopes in one challenge, never offline_access", () => {
    const stepUp = nameStepUp([call('delete_file'), call('admin_report', 2), read('file:///secret/k', 3), prompt('code_review', 4)], rules, ['mcp', 'profile', 'offline_access'], ['mcp']);
    expect(stepUp).toEqual({
      calls: [
        { kind: 'Tool', name: 'delete_file' },
        { kind: 'Tool', name: 'admin_report' },
        { kind: 'Resource', name: 'file:///secret/k' },
        { kind: 'Prompt', name: 'code_review' },
      ],
      missing: ['files:write', 'admin', 'files:secret', 'prompts:review'],
      scopes: ['mcp', 'profile', 'files:write', 'admin', 'files:secret', 'prompts:review'],
    });
    expect(describeStepUp(stepUp!)).toBe('Tool delete_file, admin_report; Resource file:///secret/k; Prompt code_review needs the scope(s) files:write admin files:secret prompts:review');
  });

  it('names a call that lacks one of its several scopes, though the token has the other', () => {
    const both = nameScopeRules({ tools: { move_file: ['files:read', 'files:write'] }, resources: {}, prompts: {}, implies: {} });
    expect(nameStepUp(call('move_file'), both, ['mcp', 'files:read'], ['mcp'])).toMatchObject({ calls: [{ name: 'move_file' }], missing: ['files:write'] });
  });

  it('never demands offline_access, which no challenge can ask for', () => {
    expect(nameStepUp(call('admin_report'), rules, ['admin'], [])).toBeNull();
  });

  it('lets a scope that implies the needed one through, transitively', () => {
    expect(nameStepUp(call('delete_file'), rules, ['mcp:admin'], [])).toBeNull();
    const readOnly = nameScopeRules({ tools: { cat: ['files:read'] }, resources: {}, prompts: {}, implies: { 'mcp:admin': ['files:write'], 'files:write': ['files:read'] } });
    expect(nameStepUp(call('cat'), readOnly, ['mcp:admin'], [])).toBeNull();
  });

  it('leaves out of the challenge a scope another one in it implies', () => {
    // The token has mcp:admin, which implies files:write: asking for files:write again would be noise.
    const stepUp = nameStepUp([call('delete_file'), read('file:///secret/x', 2)], rules, ['mcp:admin'], ['mcp:tools']);
    expect(stepUp).toEqual({ calls: [{ kind: 'Resource', name: 'file:///secret/x' }], missing: ['files:secret'], scopes: ['mcp:admin', 'files:secret'] });
  });

  it('matches resource URIs however they are spelt: dot segments, escapes, case', () => {
    for (const uri of ['file:///secret/key', 'file:///public/../secret/key', 'file:///%73ecret/key', 'file:///%2573ecret/key', 'FILE:///SECRET/key', 'file:///public/%2e%2e/secret/key']) {
      expect(nameStepUp(read(uri), rules, [], []), uri).toMatchObject({ missing: ['files:secret'] });
    }
    expect(nameStepUp(read('docs://handbook'), rules, [], [])).toMatchObject({ missing: ['docs:read'] });
    expect(nameStepUp(read('docs://handbook/more'), rules, [], [])).toBeNull();
  });

  it('does not look names up on Object.prototype, and ignores malformed bodies', () => {
    for (const body of [call('constructor'), prompt('__proto__'), read('toString'), undefined, null, 42, [], [null, 1], { method: 'tools/call' }, { method: 'constructor', params: { name: 'x' } }, call(42), read({ toString: 'file:///secret/x' })]) {
      expect(nameStepUp(body, rules, [], [])).toBeNull();
    }
  });

  it('needs no body reading when no name has scopes', () => {
    expect(nameScopeRules({ tools: { a: [] }, resources: {}, prompts: { b: ['offline_access'] }, implies: { x: ['y'] } }).any).toBe(false);
    expect(rules.any).toBe(true);
  });
});
