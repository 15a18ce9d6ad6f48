import { rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileLocks } from './keyed-lock.js';
import {
  createExclusive,
  isExpired,
  isIndexEntry,
  isStoredRecord,
  listDir,
  markerName,
  readJson,
  unlinkIfExists,
  type IndexEntry,
  type LookupKind,
  type StoreLayout,
  type StoredRecord,
} from './file-layout.js';
import { createFileExclusive, ensurePrivateDir, errnoCode, readTextIfExists, sha256Hex, writeFileAtomic } from './state-dir.js';
import { AlreadyConsumedError, GRANT_MEMBER_MODELS, epochSeconds, expiresAtFor, markerTtlMs, type AdapterPayload } from './types.js';

const LOOKUP_KINDS: readonly LookupKind[] = ['uid', 'userCode'];

function lookupValue(payload: AdapterPayload, kind: LookupKind): string | undefined {
  const value = payload[kind];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function grantOf(model: string, payload: AdapterPayload): string | undefined {
  return GRANT_MEMBER_MODELS.has(model) && typeof payload.grantId === 'string' && payload.grantId !== '' ? payload.grantId : undefined;
}

/**
 * The file store's operations on records and their indexes. Every change of
 * a record runs under that record's lock, and every change of a grant's
 * membership under the grant's lock (taken first), so a token saved while its
 * grant is being revoked is either revoked with it or saved after it.
 *
 * @example
 * ```ts
 * const records = new FileRecords(new StoreLayout(dir), Date.now);
 * await records.upsert('Session', id, payload, 3600);
 * ```
 */
export class FileRecords {
  /** Model and index directories known to exist (a few dozen at most; grant directories come and go, so are not kept). */
  readonly #dirs = new Set<string>();

  constructor(
    readonly layout: StoreLayout,
    readonly now: () => number,
  ) {}

  /** Writes a file atomically, creating its directory the first time (or again, if it was removed). */
  async #write(path: string, data: string, rememberDir = true): Promise<void> {
    const dir = dirname(path);
    if (!this.#dirs.has(dir)) {
      await ensurePrivateDir(dir);
      if (rememberDir) this.#dirs.add(dir);
    }
    try {
      await writeFileAtomic(path, data);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      await ensurePrivateDir(dir);
      await writeFileAtomic(path, data);
    }
  }

  read(model: string, ref: string): Promise<StoredRecord | undefined> {
    return readJson(this.layout.record(model, ref), isStoredRecord);
  }

  async upsert(model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    const ref = sha256Hex(id);
    const path = this.layout.record(model, ref);
    const expiresAt = expiresAtFor(expiresIn, this.now()) ?? null;
    const grantId = grantOf(model, payload);
    const save = () =>
      fileLocks.run(path, async () => {
        const previous = await this.read(model, ref);
        if (previous) await this.#dropIndexes(model, ref, previous.payload, payload);
        if (grantId) await this.#write(join(this.layout.grantDir(grantId), markerName(model, ref)), String(expiresAt ?? ''), false);
        await this.#write(path, JSON.stringify({ payload, expiresAt } satisfies StoredRecord));
        for (const kind of LOOKUP_KINDS) {
          const value = lookupValue(payload, kind);
          if (value) await this.#write(this.layout.index(model, kind, value), JSON.stringify({ ref, expiresAt } satisfies IndexEntry));
        }
      });
    await (grantId ? fileLocks.run(this.layout.grantDir(grantId), save) : save());
  }

  /** The live record with this id; an expired one is deleted on the way. */
  async find(model: string, id: string): Promise<AdapterPayload | undefined> {
    const ref = sha256Hex(id);
    const record = await this.read(model, ref);
    if (!record) return undefined;
    if (isExpired(record.expiresAt, this.now())) {
      await this.expire(model, ref);
      return undefined;
    }
    return record.payload;
  }

  async findBy(model: string, kind: LookupKind, value: string): Promise<AdapterPayload | undefined> {
    const entry = await readJson(this.layout.index(model, kind, value), isIndexEntry);
    if (!entry) return undefined;
    const record = await this.read(model, entry.ref);
    if (!record || isExpired(record.expiresAt, this.now()) || record.payload[kind] !== value) return undefined;
    return record.payload;
  }

  async consume(model: string, id: string): Promise<void> {
    const ref = sha256Hex(id);
    const path = this.layout.record(model, ref);
    await fileLocks.run(path, async () => {
      const record = await this.read(model, ref);
      if (!record || isExpired(record.expiresAt, this.now())) return;
      if (record.payload.consumed !== undefined) throw new AlreadyConsumedError(model);
      // The lock orders this process; the exclusive marker orders processes sharing the state dir.
      if (!(await createExclusive(`${path}.consumed`))) throw new AlreadyConsumedError(model);
      record.payload.consumed = epochSeconds(this.now());
      await this.#write(path, JSON.stringify(record));
    });
  }

  /**
   * A one-time marker: `link()` creates it only if no file is there, so of
   * processes sharing the state directory exactly one creates it. An expired
   * one is replaced under the marker's lock (ordered within this process).
   */
  async createIfAbsent(model: string, id: string, expiresInSec: number): Promise<boolean> {
    const expiresAt = this.now() + markerTtlMs(expiresInSec);
    const path = this.layout.onceMarker(model, sha256Hex(id));
    return fileLocks.run(path, async () => {
      const existing = await readTextIfExists(path);
      if (existing !== undefined) {
        if (!isExpired(markerExpiry(existing), this.now())) return false;
        await unlinkIfExists(path);
      }
      const dir = dirname(path);
      if (!this.#dirs.has(dir)) {
        await ensurePrivateDir(dir);
        this.#dirs.add(dir);
      }
      try {
        return await createFileExclusive(path, String(expiresAt));
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
        await ensurePrivateDir(dir);
        return createFileExclusive(path, String(expiresAt));
      }
    });
  }

  /** Deletes a one-time marker if it is (still) expired; true when it went. */
  async expireMarker(path: string): Promise<boolean> {
    return fileLocks.run(path, async () => {
      const existing = await readTextIfExists(path);
      if (existing === undefined || !isExpired(markerExpiry(existing), this.now())) return false;
      return unlinkIfExists(path);
    });
  }

  async destroy(model: string, id: string): Promise<void> {
    const ref = sha256Hex(id);
    await fileLocks.run(this.layout.record(model, ref), () => this.#remove(model, ref));
  }

  /** Deletes a record if it is (still) expired; true when it went. */
  async expire(model: string, ref: string): Promise<boolean> {
    return fileLocks.run(this.layout.record(model, ref), async () => {
      const record = await this.read(model, ref);
      if (record && !isExpired(record.expiresAt, this.now())) return false;
      await this.#remove(model, ref, record);
      return true;
    });
  }

  /** Deletes every record of a grant, in every model. */
  async revokeGrant(grantId: string): Promise<void> {
    const dir = this.layout.grantDir(grantId);
    await fileLocks.run(dir, async () => {
      for (const marker of await this.#markers(dir)) {
        const [model, ref] = marker.split('.') as [string, string];
        await fileLocks.run(this.layout.record(model, ref), async () => {
          const record = await this.read(model, ref);
          if (!record || record.payload.grantId === grantId) await this.#remove(model, ref, record);
        });
        await unlinkIfExists(join(dir, marker));
      }
      await removeDirIfEmpty(dir);
    });
  }

  /** Marker names in a grant directory that name a record (others are ignored). */
  async #markers(dir: string): Promise<string[]> {
    return (await listDir(dir)).filter((name) => /^[A-Z][A-Za-z0-9]*\.[0-9a-f]{64}$/.test(name));
  }

  /** Removes a record, its lookup entries and its grant marker. Call under the record's lock. */
  async #remove(model: string, ref: string, known?: StoredRecord): Promise<void> {
    const record = known ?? (await this.read(model, ref));
    await unlinkIfExists(this.layout.record(model, ref));
    await unlinkIfExists(`${this.layout.record(model, ref)}.consumed`);
    if (record) await this.#dropIndexes(model, ref, record.payload);
  }

  /** Drops the index entries of `previous` that `next` (if any) no longer has. */
  async #dropIndexes(model: string, ref: string, previous: AdapterPayload, next?: AdapterPayload): Promise<void> {
    for (const kind of LOOKUP_KINDS) {
      const value = lookupValue(previous, kind);
      if (!value || (next && lookupValue(next, kind) === value)) continue;
      const path = this.layout.index(model, kind, value);
      const entry = await readJson(path, isIndexEntry);
      if (entry?.ref === ref) await unlinkIfExists(path);
    }
    const grantId = grantOf(model, previous);
    if (grantId && (!next || grantOf(model, next) !== grantId)) {
      await unlinkIfExists(join(this.layout.grantDir(grantId), markerName(model, ref)));
    }
  }
}

/**
 * A marker file's expiry (ms). One the store did not write (it writes whole
 * files, linked in place) is as good as expired, like a damaged record.
 */
function markerExpiry(text: string): number {
  const expiresAt = Number(text);
  return /^\d+$/.test(text) && Number.isSafeInteger(expiresAt) ? expiresAt : 0;
}

/**
 * Removes a directory unless something is in it (or it is gone already).
 *
 * @example
 * ```ts
 * await removeDirIfEmpty(layout.grantDir(grantId));
 * ```
 */
export async function removeDirIfEmpty(dir: string): Promise<boolean> {
  try {
    await rmdir(dir);
    return true;
  } catch (err) {
    if (['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes(errnoCode(err))) return false;
    throw err;
  }
}
