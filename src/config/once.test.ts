import { describe, expect, it } from 'vitest';
import { createGatehouse } from '../gatehouse.js';
import { mergeLayers } from './merge.js';
import { isResolvedConfig, resolveConfig } from './resolve.js';

const base = { issuer: 'https://idp.example.com/realms/main', publicUrl: 'https://mcp.example.com' };

describe('one resolution, one merge', () => {
  it('resolves a config once per start: the gate keeps the resolved config it is given', () => {
    const config = resolveConfig(base);
    expect(isResolvedConfig(config)).toBe(true);
    expect(isResolvedConfig({ ...config })).toBe(false);
    const gate = createGatehouse(config);
    try {
      expect(gate.config).toBe(config);
    } finally {
      gate.close();
    }
  });

  it('merges plain objects key by key, keeps functions and class instances whole, and lets an upstream displace a command', () => {
    const findAccount = () => undefined;
    const when = new Date(0);
    const merged = mergeLayers<Record<string, unknown>>(
      { features: { a: { enabled: true } }, findAccount, proxy: { command: ['node', 'server.js'], shared: true } },
      { features: { b: { enabled: false } }, when, proxy: { upstream: 'http://127.0.0.1:8080/mcp', shared: undefined } },
    );
    expect(merged).toEqual({
      features: { a: { enabled: true }, b: { enabled: false } },
      findAccount,
      when,
      proxy: { upstream: 'http://127.0.0.1:8080/mcp', shared: true },
    });
    expect(merged.findAccount).toBe(findAccount);
    expect(merged.when).toBe(when);
  });
});
