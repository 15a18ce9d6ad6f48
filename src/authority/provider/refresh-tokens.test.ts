import type { Adapter, AdapterPayload } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { refreshGraceAdapter, refreshTokenPolicy, withRefreshGrace } from './refresh-tokens.js';

/** A Map-backed adapter recording consumption in epoch seconds, as oidc-provider's own adapters do. */
function mapAdapter(clock: () => number): Adapter & { rows: Map<string, AdapterPayload> } {
  const rows = new Map<string, AdapterPayload>();
  return {
    rows,
    async upsert(id, payload) {
      rows.set(id, { ...payload });
    },
    async find(id) {
      const row = rows.get(id);
      return row ? { ...row } : undefined;
    },
    async findByUid() {
      return undefined;
    },
    async findByUserCode() {
      return undefined;
    },
    async consume(id) {
      const row = rows.get(id);
      if (row) row.consumed = clock();
    },
    async destroy(id) {
      rows.delete(id);
    },
    async revokeByGrantId(grantId) {
      for (const [id, row] of rows) if (row.grantId === grantId) rows.delete(id);
    },
  };
}

describe('withRefreshGrace', () => {
  it('reads a consumed token back as unconsumed within the window, and as consumed after it', async () => {
    let now = 1_000;
    const inner = mapAdapter(() => now);
    const adapter = withRefreshGrace(inner, 60, () => now);
    await adapter.upsert('rt1', { grantId: 'g1', exp: 5_000 });
    await adapter.consume('rt1');
    expect(inner.rows.get('rt1')?.consumed).toBe(1_000);

    now = 1_059;
    expect((await adapter.find('rt1'))?.consumed).toBeUndefined();
    expect((await adapter.find('rt1'))?.grantId).toBe('g1');

    now = 1_060;
    expect((await adapter.find('rt1'))?.consumed).toBe(1_000);
  });

  it('keeps the first consumption time when a token is consumed again within the window', async () => {
    let now = 1_000;
    const inner = mapAdapter(() => now);
    const adapter = withRefreshGrace(inner, 60, () => now);
    await adapter.upsert('rt1', { grantId: 'g1' });
    await adapter.consume('rt1');
    now = 1_050;
    await adapter.consume('rt1');
    expect(inner.rows.get('rt1')?.consumed).toBe(1_000);
    now = 1_061;
    expect((await adapter.find('rt1'))?.consumed).toBe(1_000);
  });

  it('gives no grace when the store records consumption as something other than a time', async () => {
    const inner = mapAdapter(() => 0);
    inner.rows.set('rt1', { grantId: 'g1', consumed: true });
    const adapter = withRefreshGrace(inner, 60, () => 1);
    expect((await adapter.find('rt1'))?.consumed).toBe(true);
  });

  it('passes everything else through', async () => {
    const inner = mapAdapter(() => 0);
    const adapter = withRefreshGrace(inner, 60);
    await adapter.upsert('a', { grantId: 'g1' });
    await adapter.upsert('b', { grantId: 'g2' });
    await adapter.revokeByGrantId('g1');
    await adapter.destroy('b');
    expect([...inner.rows.keys()]).toEqual([]);
  });
});

describe('refreshGraceAdapter', () => {
  it('wraps only the RefreshToken model, for factories and classes alike', async () => {
    const made: string[] = [];
    const factory = (name: string) => {
      made.push(name);
      return mapAdapter(() => 0);
    };
    const wrapped = refreshGraceAdapter(factory, 60);
    const session = wrapped('Session');
    expect((session as { rows?: unknown }).rows).toBeInstanceOf(Map);
    const refresh = wrapped('RefreshToken');
    expect((refresh as { rows?: unknown }).rows).toBeUndefined();

    class ClassAdapter {
      constructor(readonly name: string) {
        Object.assign(this, mapAdapter(() => 0));
      }
    }
    const fromClass = refreshGraceAdapter(ClassAdapter as unknown as new (name: string) => Adapter, 0)('RefreshToken');
    expect((fromClass as unknown as ClassAdapter).name).toBe('RefreshToken');
    expect(made).toEqual(['Session', 'RefreshToken', 'RefreshChainHead']);
  });
});

describe('refreshTokenPolicy', () => {
  it('issues refresh tokens by grant type, not offline_access, and never ties them to the browser session', async () => {
    const policy = refreshTokenPolicy();
    const withGrant = { grantTypeAllowed: (grant: string) => grant === 'refresh_token' };
    const withoutGrant = { grantTypeAllowed: () => false };
    const issue = policy.issueRefreshToken as (ctx: unknown, client: unknown, source: unknown) => boolean;
    expect(issue({}, withGrant, { scopes: new Set(['mcp']) })).toBe(true);
    expect(issue({}, withoutGrant, { scopes: new Set(['offline_access']) })).toBe(false);
    expect(policy.rotateRefreshToken).toBe(true);
    expect((policy.expiresWithSession as () => boolean)()).toBe(false);
  });
});
