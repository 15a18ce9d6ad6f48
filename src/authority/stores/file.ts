import { join, resolve } from 'node:path';
import { StoreLayout } from './file-layout.js';
import { FileRecords } from './file-records.js';
import { sweepFileStore } from './file-sweep.js';
import { DEFAULT_SWEEP_INTERVAL_MS, type Adapter, type AdapterPayload, type StoreFactory, type StoreOptions } from './types.js';

/** Options of `createFileStore`. */
export interface FileStoreOptions extends StoreOptions {
  /** The state directory; records go to `<stateDir>/store/`. */
  stateDir: string;
}

/**
 * The embedded default store: one JSON file per record under
 * `<stateDir>/store/<Model>/<sha256(id)>.json` (directories 0700, files 0600,
 * written atomically), so a restart logs nobody out: sessions, grants and
 * refresh tokens are still there. Expired records count as missing and are
 * deleted when met; a background sweep, started by a write at most every
 * `sweepIntervalMs`, clears the rest. Revoking a grant deletes its records in
 * every model through a per-grant directory of markers.
 *
 * One process per state directory: concurrent writes of different records
 * are safe, and writes of the same record take turns within the process.
 *
 * @example
 * ```ts
 * const store = createFileStore({ stateDir: '.gatehouse' });
 * const provider = new Provider(issuer, { adapter: store });
 * // ...
 * await store.close();
 * ```
 */
export function createFileStore(options: FileStoreOptions): StoreFactory {
  const now = options.now ?? Date.now;
  const sweepInterval = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const warn = options.warn ?? ((message: string) => console.warn(`gatehouse: warning: ${message}`));
  const layout = new StoreLayout(join(resolve(options.stateDir), 'store'));
  const records = new FileRecords(layout, now);
  let lastSweep = now();
  let sweeping: Promise<number> | undefined;
  let closed = false;

  /** A full sweep that starts after any running one, so it sees the store as it is now. */
  function sweep(): Promise<number> {
    const run = (sweeping ?? Promise.resolve(0)).catch(() => 0).then(() => sweepFileStore(records));
    const tracked: Promise<number> = run.finally(() => {
      if (sweeping === tracked) sweeping = undefined;
    });
    sweeping = tracked;
    lastSweep = now();
    return tracked;
  }

  /** Starts a background sweep when one is due; its failure is a warning, never a failed write. */
  function sweepIfDue(): void {
    if (closed || sweeping || now() - lastSweep < sweepInterval) return;
    sweep().catch((err: unknown) => warn(`sweeping expired records in ${layout.root} failed: ${(err as Error).message}`));
  }

  function adapterFor(modelName: string): Adapter {
    const model = StoreLayout.checkModel(modelName);
    return {
      async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
        await records.upsert(model, id, payload, expiresIn);
        sweepIfDue();
      },
      find: (id: string) => records.find(model, id),
      findByUid: (uid: string) => records.findBy(model, 'uid', uid),
      findByUserCode: (userCode: string) => records.findBy(model, 'userCode', userCode),
      consume: (id: string) => records.consume(model, id),
      destroy: (id: string) => records.destroy(model, id),
      revokeByGrantId: (grantId: string) => records.revokeGrant(grantId),
    };
  }

  return Object.assign(adapterFor, {
    kind: 'file' as const,
    createIfAbsent: (model: string, id: string, expiresInSec: number) => records.createIfAbsent(StoreLayout.checkModel(model), id, expiresInSec),
    sweep,
    async close() {
      closed = true;
      await sweeping?.catch(() => 0);
    },
  });
}
