import type { Adapter, AdapterFactory, AdapterPayload, Configuration } from 'oidc-provider';
import { AlreadyConsumedError } from '../stores/types.js';

/**
 * Refresh tokens for MCP clients: issued to every client that registered the
 * `refresh_token` grant (MCP clients are told not to ask for
 * `offline_access`), rotated on every use, and given a short grace window.
 *
 * Why a grace window, and how. oidc-provider rotates by marking the old token
 * `consumed` (the adapter stores the time, in epoch seconds) and issuing a
 * new one; a consumed token presented again is treated as stolen: the token
 * is destroyed and the whole grant revoked. Clients that refresh twice at
 * once (two tabs, a retry after a lost response) then lose the session.
 *
 * The window is implemented in the store, not by patching the grant handler:
 * the `RefreshToken` adapter is wrapped so that, for `refreshGraceSec` after
 * its first use, a consumed token reads back as unconsumed. The grant handler
 * then simply rotates it again: the late request gets fresh tokens of its
 * own (a sibling refresh token), and nothing is revoked. The wrapper never
 * moves the consumption time, so replaying the old token keeps working only
 * until the window closes, after which oidc-provider's reuse detection
 * applies unchanged (the token is refused and the grant revoked).
 *
 * Siblings must not fork two live chains. Every refresh token issued in a
 * chain (one grant, one initial issue time `iiat`) is recorded as the chain's
 * head (`RefreshChainHead`, last issued wins); only the head is usable, and,
 * inside its window, the head's parent (the late duplicate whose new token
 * becomes the head). A sibling or an older token is then answered as unknown
 * (`invalid_grant`) without revoking the grant, so the client holding the
 * head keeps its session. Alternatives
 * rejected: not consuming until the window passes needs a timer or a sweep;
 * answering the late request with the sibling's own token would hand a thief
 * the live token.
 */

/**
 * The refresh-token settings of the provider configuration.
 *
 * @example
 * ```ts
 * new Provider(issuer, { ...refreshTokenPolicy(), adapter: refreshGraceAdapter(store, 60) });
 * ```
 */
export function refreshTokenPolicy(): Pick<Configuration, 'issueRefreshToken' | 'rotateRefreshToken' | 'expiresWithSession'> {
  return {
    issueRefreshToken: function whenTheClientMayRefresh(_ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    // OAuth 2.1 §4.3.1: public clients' refresh tokens are rotated; confidential ones gain nothing from keeping theirs.
    rotateRefreshToken: true,
    // A sign-in session cookie ending (browser closed, logout) must not end an MCP client's access.
    expiresWithSession: function neverWithTheBrowserSession() {
      return false;
    },
  };
}

/** The chain a refresh token belongs to: its grant and the issue time of the chain's first token. */
function chainOf(payload: AdapterPayload): string | undefined {
  const { grantId, iiat } = payload as AdapterPayload & { iiat?: unknown };
  return typeof grantId === 'string' && typeof iiat === 'number' ? `${grantId}.${iiat}` : undefined;
}

function rotationsOf(payload: AdapterPayload): number {
  const { rotations } = payload as AdapterPayload & { rotations?: unknown };
  return typeof rotations === 'number' ? rotations : 0;
}

function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Wraps one adapter so consumed refresh tokens stay usable for `graceSec`
 * after their first use (see the module comment).
 *
 * @example
 * ```ts
 * const refreshTokens = withRefreshGrace(new MemoryAdapter('RefreshToken'), 60);
 * ```
 */
export function withRefreshGrace(inner: Adapter, graceSec: number, now: () => number = nowSec, heads?: Adapter): Adapter {
  function withinGrace(payload: AdapterPayload): boolean {
    // Stores record consumption as epoch seconds (oidc-provider's own adapters do); anything else gets no grace.
    return typeof payload.consumed === 'number' && now() - payload.consumed < graceSec;
  }
  /** Whether a token is still usable in its chain: the head, or the head's parent (a late duplicate inside the window). */
  async function inLiveChain(id: string, payload: AdapterPayload): Promise<boolean> {
    const chain = chainOf(payload);
    const head = heads && chain ? await heads.find(chain) : undefined;
    if (!head || head.jti === id) return true;
    // The parent is the one already used; an unused token one level up is a sibling of the head's parent.
    return payload.consumed !== undefined && typeof head.rotations === 'number' && head.rotations === rotationsOf(payload) + 1;
  }
  return {
    async upsert(id, payload, expiresIn) {
      await inner.upsert(id, payload, expiresIn);
      const chain = chainOf(payload);
      if (heads && chain) await heads.upsert(chain, { jti: id, rotations: rotationsOf(payload) }, expiresIn);
    },
    async find(id) {
      const payload = await inner.find(id);
      // A token consumed outside the window goes on to oidc-provider's reuse detection unchanged.
      if (!payload || (payload.consumed !== undefined && !withinGrace(payload))) return payload;
      if (!(await inLiveChain(id, payload))) return undefined;
      if (payload.consumed === undefined) return payload;
      const { consumed: _consumed, ...unconsumed } = payload;
      return unconsumed;
    },
    findByUid: (uid) => inner.findByUid(uid),
    findByUserCode: (userCode) => inner.findByUserCode(userCode),
    async consume(id) {
      // Keep the first consumption time, or every reuse would stretch the window.
      const payload = await inner.find(id);
      if (payload?.consumed) return;
      try {
        await inner.consume(id);
      } catch (err) {
        // A concurrent rotation got there first: inside the window that is the sibling case above, not a replay.
        const now = await inner.find(id);
        if (err instanceof AlreadyConsumedError && now && withinGrace(now)) return;
        throw err;
      }
    },
    destroy: (id) => inner.destroy(id),
    revokeByGrantId: (grantId) => inner.revokeByGrantId(grantId),
  };
}

/**
 * Applies {@link withRefreshGrace} to the `RefreshToken` model of an adapter
 * factory (a class or a function of the model name); other models are untouched.
 *
 * @example
 * ```ts
 * const adapter = refreshGraceAdapter(createStore(config.authority), config.authority.refreshGraceSec);
 * new Provider(issuer, { adapter });
 * ```
 */
export function refreshGraceAdapter(
  factory: AdapterFactory | (new (name: string) => Adapter),
  graceSec: number,
): AdapterFactory {
  function build(name: string): Adapter {
    // oidc-provider's own rule: anything with a prototype is constructed, arrow functions are called.
    if (typeof factory.prototype === 'object' && factory.prototype !== null) return new (factory as new (name: string) => Adapter)(name);
    return (factory as AdapterFactory)(name);
  }
  return function adapterFor(name: string): Adapter {
    const adapter = build(name);
    return name === 'RefreshToken' && graceSec > 0 ? withRefreshGrace(adapter, graceSec, nowSec, build('RefreshChainHead')) : adapter;
  };
}

