import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createFileStore } from './file.js';
import { processLeases } from './leases.js';
import { createMemoryStore } from './memory.js';

it('holds a name until released or timed out; a stale release leaves the next holder alone', async () => {
  let clock = 1_000;
  const lease = processLeases(() => clock);
  const first = (await lease('a', 100))!;
  expect(await lease('a', 100)).toBeUndefined();
  expect(await lease('b', 100)).toEqual(expect.any(Function));
  clock += 101;
  const second = (await lease('a', 100))!;
  await first();
  expect(await lease('a', 100)).toBeUndefined();
  await second();
  expect(await lease('a', 100)).toEqual(expect.any(Function));
});

it('the memory and file stores offer it', async () => {
  const memory = createMemoryStore();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-leases-'));
  const file = createFileStore({ stateDir: dir });
  try {
    for (const store of [memory, file]) {
      expect(await store.lease('x', 1000)).toEqual(expect.any(Function));
      expect(await store.lease('x', 1000)).toBeUndefined();
    }
  } finally {
    await file.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
