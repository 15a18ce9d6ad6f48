/**
 * Where the file store keeps things, under `<stateDir>/store/`:
 *
 *     <Model>/<sha256(id)>.json                  one record: payload and expiry
 *     _grants/<sha256(grantId)>/<Model>.<ref>    one marker per record of a grant (content: expiry)
 *     _index/<Model>/<kind>.<sha256(value)>.json  session uid / device user code → record ref
 *     _once/<Model>/<sha256(id)>                 one-time marker (createIfAbsent; content: expiry)
 *
 * A `ref` is the hex SHA-256 of a record's id. No raw id, grant id, uid or
 * user code is ever a file name: some of them are bearer secrets.
 */
import { open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, readTextIfExists, sha256Hex } from './state-dir.js';
import type { AdapterPayload } from './types.js';

/** What one record file holds. */
export interface StoredRecord {
  payload: AdapterPayload;
  /** Milliseconds since the epoch; `null` never expires. */
  expiresAt: number | null;
}

/** A lookup index entry: which record a uid or user code belongs to. */
export interface IndexEntry {
  ref: string;
  expiresAt: number | null;
}

export type LookupKind = 'uid' | 'userCode';

const MODEL_NAME = /^[A-Z][A-Za-z0-9]{0,63}$/;

/**
 * Paths of one store directory.
 *
 * @example
 * ```ts
 * const layout = new StoreLayout('/srv/app/.gatehouse/store');
 * layout.record('Session', sha256Hex(sessionId)); // .../Session/<hex>.json
 * ```
 */
export class StoreLayout {
  constructor(readonly root: string) {}

  /** Refuses model names that could escape the store directory. */
  static checkModel(model: string): string {
    if (!MODEL_NAME.test(model)) throw new TypeError(`Not an oidc-provider model name: ${JSON.stringify(model)}`);
    return model;
  }

  modelDir(model: string): string {
    return join(this.root, model);
  }

  record(model: string, ref: string): string {
    return join(this.root, model, `${ref}.json`);
  }

  grantDir(grantId: string): string {
    return join(this.root, '_grants', sha256Hex(grantId));
  }

  get grantsRoot(): string {
    return join(this.root, '_grants');
  }

  indexDir(model: string): string {
    return join(this.root, '_index', model);
  }

  get indexRoot(): string {
    return join(this.root, '_index');
  }

  /** A one-time marker (`createIfAbsent`), apart from records so no adapter reads or rewrites it. */
  onceMarker(model: string, ref: string): string {
    return join(this.root, '_once', model, ref);
  }

  get onceRoot(): string {
    return join(this.root, '_once');
  }

  index(model: string, kind: LookupKind, value: string): string {
    return join(this.indexDir(model), `${kind}.${sha256Hex(value)}.json`);
  }
}

/**
 * The marker file name of a record in its grant's directory.
 *
 * @example
 * ```ts
 * markerName('RefreshToken', ref); // 'RefreshToken.<ref>'
 * ```
 */
export function markerName(model: string, ref: string): string {
  return `${model}.${ref}`;
}

/**
 * Reads a JSON file written by the store; `undefined` when it is missing or
 * not what the store writes (a damaged record is as good as gone, and never a
 * reason for a 500).
 *
 * @example
 * ```ts
 * const record = await readJson<StoredRecord>(path, isStoredRecord);
 * ```
 */
export async function readJson<T>(path: string, valid: (value: unknown) => value is T): Promise<T | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return valid(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isExpiry = (value: unknown) => value === null || (typeof value === 'number' && Number.isFinite(value));

/**
 * True for what the store writes as a record.
 *
 * @example
 * ```ts
 * isStoredRecord({ payload: { jti: 'x' }, expiresAt: null }); // true
 * ```
 */
export function isStoredRecord(value: unknown): value is StoredRecord {
  return isObject(value) && isObject(value.payload) && isExpiry(value.expiresAt);
}

/**
 * True for what the store writes as a lookup index entry.
 *
 * @example
 * ```ts
 * isIndexEntry({ ref: sha256Hex(sessionId), expiresAt: 1_700_000_000_000 }); // true
 * ```
 */
export function isIndexEntry(value: unknown): value is IndexEntry {
  return isObject(value) && typeof value.ref === 'string' && /^[0-9a-f]{64}$/.test(value.ref) && isExpiry(value.expiresAt);
}

/**
 * True when an expiry has passed.
 *
 * @example
 * ```ts
 * isExpired(record.expiresAt, Date.now());
 * ```
 */
export function isExpired(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && expiresAt <= now;
}

/**
 * Deletes a file; a file already gone is fine.
 *
 * @example
 * ```ts
 * await unlinkIfExists(path);
 * ```
 */
export async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Creates an empty file only if none exists (`O_EXCL`): true for the one
 * caller, across processes, that created it.
 *
 * @example
 * ```ts
 * if (!(await createExclusive(`${path}.consumed`))) throw new AlreadyConsumedError(model);
 * ```
 */
export async function createExclusive(path: string): Promise<boolean> {
  try {
    await (await open(path, 'wx', 0o600)).close();
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
}

/**
 * The names in a directory; none when it does not exist.
 *
 * @example
 * ```ts
 * for (const name of await listDir(layout.grantsRoot)) ...
 * ```
 */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
    throw err;
  }
}
