import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileRecords } from './file-records.js';
import { removeDirIfEmpty } from './file-records.js';
import { isExpired, isIndexEntry, isStoredRecord, listDir, readJson, unlinkIfExists, StoreLayout } from './file-layout.js';
import { fileLocks } from './keyed-lock.js';
import { TEMP_SUFFIX } from './state-dir.js';

/** A temp file this old was left by a crash mid-write; younger ones may be a write in progress. */
const STALE_TEMP_MS = 60 * 60_000;

const MARKER = /^([A-Z][A-Za-z0-9]*)\.([0-9a-f]{64})$/;
const RECORD = /^([0-9a-f]{64})\.json$/;
const INDEX = /^(uid|userCode)\.[0-9a-f]{64}\.json$/;
const REF = /^[0-9a-f]{64}$/;

/**
 * Walks the whole store once and deletes what can no longer be used:
 * expired records (with their index entries), grant markers whose record is
 * gone, empty grant directories, index entries pointing nowhere, expired
 * one-time markers, and temp files left by a crash. Resolves to the number of things removed.
 *
 * @example
 * ```ts
 * const removed = await sweepFileStore(records);
 * ```
 */
export async function sweepFileStore(records: FileRecords): Promise<number> {
  const { layout } = records;
  let removed = 0;
  for (const model of await listDir(layout.root)) {
    if (model.startsWith('_')) continue;
    try {
      StoreLayout.checkModel(model);
    } catch {
      continue;
    }
    removed += await sweepModel(records, model);
  }
  removed += await sweepGrants(records);
  removed += await sweepIndexes(records);
  removed += await sweepOnceMarkers(records);
  return removed;
}

async function sweepOnceMarkers(records: FileRecords): Promise<number> {
  const { layout } = records;
  let removed = 0;
  for (const model of await listDir(layout.onceRoot)) {
    const dir = join(layout.onceRoot, model);
    for (const name of await listDir(dir)) {
      if (name.endsWith(TEMP_SUFFIX)) {
        removed += await removeStaleTemp(join(dir, name), records.now());
        continue;
      }
      if (REF.test(name) && (await records.expireMarker(join(dir, name)))) removed += 1;
    }
  }
  return removed;
}

async function removeStaleTemp(path: string, now: number): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info || now - info.mtimeMs < STALE_TEMP_MS) return 0;
  return (await unlinkIfExists(path)) ? 1 : 0;
}

async function sweepModel(records: FileRecords, model: string): Promise<number> {
  const dir = records.layout.modelDir(model);
  const now = records.now();
  let removed = 0;
  for (const name of await listDir(dir)) {
    if (name.endsWith(TEMP_SUFFIX)) {
      removed += await removeStaleTemp(join(dir, name), now);
      continue;
    }
    const ref = RECORD.exec(name)?.[1];
    if (!ref) continue;
    const record = await readJson(join(dir, name), isStoredRecord);
    // A record that is not what the store writes can never be read back: as good as expired.
    if (!record || isExpired(record.expiresAt, now)) {
      if (await records.expire(model, ref)) removed += 1;
    }
  }
  return removed;
}

async function sweepGrants(records: FileRecords): Promise<number> {
  const { layout } = records;
  let removed = 0;
  for (const grant of await listDir(layout.grantsRoot)) {
    const dir = join(layout.grantsRoot, grant);
    await fileLocks.run(dir, async () => {
      for (const marker of await listDir(dir)) {
        const match = MARKER.exec(marker);
        if (!match) continue;
        const record = await records.read(match[1]!, match[2]!);
        if (!record || isExpired(record.expiresAt, records.now())) {
          if (await unlinkIfExists(join(dir, marker))) removed += 1;
        }
      }
      if (await removeDirIfEmpty(dir)) removed += 1;
    });
  }
  return removed;
}

async function sweepIndexes(records: FileRecords): Promise<number> {
  const { layout } = records;
  let removed = 0;
  for (const model of await listDir(layout.indexRoot)) {
    const dir = join(layout.indexRoot, model);
    for (const name of await listDir(dir)) {
      if (!INDEX.test(name)) continue;
      const entry = await readJson(join(dir, name), isIndexEntry);
      const record = entry ? await records.read(model, entry.ref) : undefined;
      if (!record || isExpired(record.expiresAt, records.now())) {
        if (await unlinkIfExists(join(dir, name))) removed += 1;
      }
    }
  }
  return removed;
}
