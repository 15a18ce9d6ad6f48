import type { Telemetry } from '../../telemetry/types.js';
import type { Adapter, StoreFactory } from './types.js';

const OPERATIONS = ['upsert', 'find', 'findByUserCode', 'findByUid', 'consume', 'destroy', 'revokeByGrantId'] as const;

/**
 * Reports every store operation (model, operation, ok or error) to
 * `telemetry.operation`, for the store metrics; the results and errors are
 * passed on untouched. Without that hook the store is returned as it is.
 *
 * @example
 * ```ts
 * const store = observeStore(createStore(config.authority), telemetry);
 * ```
 */
export function observeStore(store: StoreFactory, telemetry: Telemetry | undefined): StoreFactory {
  const hook = telemetry?.operation?.bind(telemetry);
  if (!hook) return store;
  const report = hook;
  function observed(model: string): Adapter {
    const inner = store(model);
    const adapter = {} as Record<(typeof OPERATIONS)[number], (...args: never[]) => Promise<unknown>>;
    for (const op of OPERATIONS) {
      const call = (inner[op] as (...args: unknown[]) => Promise<unknown>).bind(inner);
      adapter[op] = async (...args: unknown[]) => {
        try {
          const result = await call(...args);
          report({ kind: 'store', model, op, outcome: 'ok' });
          return result;
        } catch (err) {
          report({ kind: 'store', model, op, outcome: 'error' });
          throw err;
        }
      };
    }
    return adapter as unknown as Adapter;
  }
  async function createIfAbsent(model: string, id: string, expiresInSec: number): Promise<boolean> {
    try {
      const created = await store.createIfAbsent(model, id, expiresInSec);
      report({ kind: 'store', model, op: 'createIfAbsent', outcome: 'ok' });
      return created;
    } catch (err) {
      report({ kind: 'store', model, op: 'createIfAbsent', outcome: 'error' });
      throw err;
    }
  }
  return Object.assign(observed, { kind: store.kind, createIfAbsent, sweep: () => store.sweep(), close: () => store.close() });
}
