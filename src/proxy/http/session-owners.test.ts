import { describe, expect, it } from 'vitest';
import { SessionOwners } from './session-owners.js';

describe('SessionOwners', () => {
  it('lets only the owner use a session, and answers anyone else as if it did not exist', () => {
    const owners = new SessionOwners(60_000);
    owners.bind('s1', 'alice');
    expect(owners.check('s1', 'alice')).toBe('ok');
    expect(owners.check('s1', 'bob')).toBe('other-owner');
    expect(owners.check('s2', 'alice')).toBe('unknown');
    owners.forget('s1');
    expect(owners.check('s1', 'alice')).toBe('unknown');
    owners.clear();
  });

  it('forgets sessions unused for the TTL', async () => {
    const owners = new SessionOwners(1);
    owners.bind('s1', 'alice');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(owners.check('s1', 'alice')).toBe('unknown');
    owners.clear();
  });

  it('keeps at most maxEntries, forgetting the oldest', () => {
    const owners = new SessionOwners(60_000, 2);
    owners.bind('s1', 'a');
    owners.bind('s2', 'b');
    owners.bind('s3', 'c');
    expect(owners.size).toBe(2);
    expect(owners.check('s1', 'a')).toBe('unknown');
    expect(owners.check('s3', 'c')).toBe('ok');
    owners.clear();
  });

  it('holds at most maxPerOwner sessions of one owner, reserved or bound, and gives a place back when one goes', () => {
    const owners = new SessionOwners(60_000, 100, 2);
    expect([owners.reserve('alice'), owners.reserve('alice'), owners.reserve('alice')]).toEqual([true, true, false]);
    expect(owners.bind('s1', 'alice', true)).toBe(true);
    owners.release('alice');
    expect(owners.bind('s2', 'alice')).toBe(true);
    expect(owners.bind('s3', 'alice')).toBe(false);
    expect(owners.check('s3', 'alice')).toBe('unknown');
    expect(owners.reserve('bob')).toBe(true);
    owners.forget('s1');
    owners.forget('s1');
    expect([owners.reserve('alice'), owners.reserve('alice')]).toEqual([true, false]);
    expect(owners.retryAfterSec('alice')).toBe(60);
    owners.clear();
  });
});
