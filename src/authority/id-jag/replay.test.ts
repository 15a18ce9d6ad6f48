import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory.js';
import { REPLAY_MODEL, replayCache } from './replay.js';

describe('the ID-JAG replay cache', () => {
  it('claims a jti once; every later claim, and all but one of concurrent claims, lose', async () => {
    const replays = replayCache(createMemoryStore());
    expect(await replays.claim('https://idp.example', 'jti-1', 60)).toBe(true);
    expect(await replays.claim('https://idp.example', 'jti-1', 60)).toBe(false);
    const racing = await Promise.all(Array.from({ length: 8 }, () => replays.claim('https://idp.example', 'jti-2', 60)));
    expect(racing.filter(Boolean)).toHaveLength(1);
  });

  it('keys a jti by its issuer: two IdPs may pick the same one', async () => {
    const replays = replayCache(createMemoryStore());
    expect(await replays.claim('https://a.example', 'same', 60)).toBe(true);
    expect(await replays.claim('https://b.example', 'same', 60)).toBe(true);
    // The separator cannot be forged by moving characters between issuer and jti.
    expect(await replays.claim('https://a.exampl', 'esame', 60)).toBe(true);
  });

  it('remembers a jti until the ID-JAG would have expired, at least a second', async () => {
    let clock = 1_700_000_000_000;
    const store = createMemoryStore({ now: () => clock });
    const replays = replayCache(store);
    expect(await replays.claim('https://idp.example', 'short', 0)).toBe(true);
    clock += 999;
    expect(await replays.claim('https://idp.example', 'short', 0)).toBe(false);
    clock += 1;
    expect(await replays.claim('https://idp.example', 'short', 0)).toBe(true);
  });

  it('keeps its markers in the store under its own model', async () => {
    const created: string[] = [];
    const replays = replayCache({ createIfAbsent: async (model, id) => (created.push(`${model}|${id}`), true) });
    await replays.claim('https://idp.example', 'jti-9', 30);
    expect(created).toEqual([`${REPLAY_MODEL}|https://idp.example\u0000jti-9`]);
  });
});
