import { describe, expect, it } from 'vitest';
import { OwnerQuota, retryAfterSec, startsSession } from './session-limit.js';

describe('OwnerQuota', () => {
  it('gives each owner at most max places, and one back per give', () => {
    const quota = new OwnerQuota(2);
    expect([quota.take('a'), quota.take('a'), quota.take('a'), quota.take('b')]).toEqual([true, true, false, true]);
    quota.give('a');
    expect([quota.held('a'), quota.take('a'), quota.take('a')]).toEqual([1, true, false]);
    quota.give('b');
    quota.give('b');
    expect(quota.held('b')).toBe(0);
    expect(() => new OwnerQuota(0)).toThrow(RangeError);
  });
});

describe('retryAfterSec', () => {
  it('counts from the least recently seen session, at least 1 s', () => {
    expect(retryAfterSec([10_000, 4_000], 60_000, 10_000)).toBe(54);
    expect(retryAfterSec([], 60_000, 10_000)).toBe(60);
    expect(retryAfterSec([0], 1_000, 10_000)).toBe(1);
  });
});

describe('startsSession', () => {
  it('finds an initialize alone or in a batch, nothing else', () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } };
    expect([startsSession(init), startsSession([{ jsonrpc: '2.0', method: 'notifications/x' }, init]), startsSession({ jsonrpc: '2.0', id: 1, method: 'ping' }), startsSession(undefined)]).toEqual([true, true, false, false]);
  });
});
