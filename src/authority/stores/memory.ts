import {
  DEFAULT_SWEEP_INTERVAL_MS,
  GRANT_MEMBER_MODELS,
  epochSeconds,
  expiresAtFor,
  markerTtlMs,
  type Adapter,
  type AdapterPayload,
  type StoreFactory,
  type StoreOptions,
  AlreadyConsumedError,
} from './types.js';

interface MemoryRecord {
  model: string;
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

/**
 * An in-memory store: everything is lost when the process ends. For tests
 * and throwaway demos (`GATEHOUSE_STORE=memory`). Behaves exactly like the
 * file store: copies in and out, expiry honoured on read, grant revocation
 * across models, lookups by session uid and device user code.
 *
 * @example
 * ```ts
 * const provider = new Provider(issuer, { adapter: createMemoryStore() });
 * ```
 */
export function createMemoryStore(options: StoreOptions = {}): StoreFactory {
  const now = options.now ?? Date.now;
  const sweepInterval = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const records = new Map<string, MemoryRecord>();
  /** grantId → record keys */
  const grants = new Map<string, Set<string>>();
  /** `<model>:uid:<uid>` or `<model>:userCode:<code>` → record key */
  const lookups = new Map<string, string>();
  /** `<model>\u0000<id>` of a one-time marker → when it expires (ms) */
  const markers = new Map<string, number>();
  let lastSweep = now();

  const keyOf = (model: string, id: string) => `${model}\u0000${id}`;

  function live(key: string): MemoryRecord | undefined {
    const record = records.get(key);
    if (record && record.expiresAt !== undefined && record.expiresAt <= now()) {
      remove(key);
      return undefined;
    }
    return record;
  }

  function indexKeys(record: MemoryRecord): string[] {
    const keys: string[] = [];
    if (typeof record.payload.uid === 'string') keys.push(`${record.model}\u0000uid\u0000${record.payload.uid}`);
    if (typeof record.payload.userCode === 'string') keys.push(`${record.model}\u0000userCode\u0000${record.payload.userCode}`);
    return keys;
  }

  function remove(key: string): void {
    const record = records.get(key);
    if (!record) return;
    records.delete(key);
    for (const index of indexKeys(record)) if (lookups.get(index) === key) lookups.delete(index);
    const grantId = record.payload.grantId;
    if (typeof grantId === 'string') {
      const members = grants.get(grantId);
      members?.delete(key);
      if (members?.size === 0) grants.delete(grantId);
    }
  }

  function sweepNow(): number {
    lastSweep = now();
    let removed = 0;
    for (const [key, record] of records) {
      if (record.expiresAt !== undefined && record.expiresAt <= lastSweep) {
        remove(key);
        removed += 1;
      }
    }
    for (const [key, expiresAt] of markers) {
      if (expiresAt <= lastSweep) {
        markers.delete(key);
        removed += 1;
      }
    }
    return removed;
  }

  function adapterFor(model: string): Adapter {
    const byLookup = (kind: 'uid' | 'userCode', value: string) => {
      const key = lookups.get(`${model}\u0000${kind}\u0000${value}`);
      const record = key === undefined ? undefined : live(key);
      return record && record.payload[kind] === value ? structuredClone(record.payload) : undefined;
    };
    return {
      async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
        const key = keyOf(model, id);
        remove(key);
        const record: MemoryRecord = { model, payload: structuredClone(payload), expiresAt: expiresAtFor(expiresIn, now()) };
        records.set(key, record);
        for (const index of indexKeys(record)) lookups.set(index, key);
        if (GRANT_MEMBER_MODELS.has(model) && typeof payload.grantId === 'string') {
          const members = grants.get(payload.grantId) ?? new Set<string>();
          members.add(key);
          grants.set(payload.grantId, members);
        }
        if (now() - lastSweep >= sweepInterval) sweepNow();
      },
      async find(id: string) {
        const record = live(keyOf(model, id));
        return record ? structuredClone(record.payload) : undefined;
      },
      async findByUid(uid: string) {
        return byLookup('uid', uid);
      },
      async findByUserCode(userCode: string) {
        return byLookup('userCode', userCode);
      },
      async consume(id: string) {
        // Test and set with no await between: one consumer wins.
        const record = live(keyOf(model, id));
        if (!record) return;
        if (record.payload.consumed !== undefined) throw new AlreadyConsumedError(model);
        record.payload.consumed = epochSeconds(now());
      },
      async destroy(id: string) {
        remove(keyOf(model, id));
      },
      async revokeByGrantId(grantId: string) {
        for (const key of [...(grants.get(grantId) ?? [])]) remove(key);
        grants.delete(grantId);
      },
    };
  }

  async function createIfAbsent(model: string, id: string, expiresInSec: number): Promise<boolean> {
    const ttlMs = markerTtlMs(expiresInSec);
    const key = keyOf(model, id);
    // Test and set with no await between: one creator wins.
    const expiresAt = markers.get(key);
    if (expiresAt !== undefined && expiresAt > now()) return false;
    markers.set(key, now() + ttlMs);
    return true;
  }

  return Object.assign(adapterFor, {
    kind: 'memory' as const,
    createIfAbsent,
    sweep: async () => sweepNow(),
    close: async () => {},
  });
}
