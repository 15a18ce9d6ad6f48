/**
 * A cap on the sessions one caller holds at once. Sessions cost memory (a
 * transport, routing state, an upstream's own session) until they idle out,
 * and opening one is cheap: without a cap, one signed-in user can open
 * thousands a second. Shared by the MCP glue's stateful sessions, the stdio
 * bridge and the HTTP reverse proxy's session owners.
 */

import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

/** Sessions one caller may hold at once unless configured otherwise. */
export const DEFAULT_MAX_SESSIONS_PER_USER = 50;

/**
 * Places per owner: taken before a session is opened, so concurrent
 * `initialize` requests cannot overshoot the cap, and given back once when
 * the session ends (or when none came of the place).
 *
 * @example
 * ```ts
 * const quota = new OwnerQuota(50);
 * if (!quota.take(owner)) return tooManySessions();
 * // ... the session ends:
 * quota.give(owner);
 * ```
 */
export class OwnerQuota {
  readonly max: number;
  readonly #held = new Map<string, number>();

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`the session cap must be a whole number >= 1, got ${max}`);
    this.max = max;
  }

  /** Places `owner` holds. */
  held(owner: string): number {
    return this.#held.get(owner) ?? 0;
  }

  /** Takes a place for one more session of `owner`; false when they hold `max` already. */
  take(owner: string): boolean {
    const held = this.held(owner);
    if (held >= this.max) return false;
    this.#held.set(owner, held + 1);
    return true;
  }

  /** Gives one place of `owner` back. */
  give(owner: string): void {
    const held = this.held(owner);
    if (held <= 1) this.#held.delete(owner);
    else this.#held.set(owner, held - 1);
  }

  clear(): void {
    this.#held.clear();
  }
}

/**
 * Seconds until the oldest of `lastSeen` idles out after `idleMs`: when a
 * caller at the cap can expect a place back without closing a session
 * itself. At least 1.
 */
export function retryAfterSec(lastSeen: Iterable<number>, idleMs: number, now = Date.now()): number {
  let oldest = now;
  for (const seen of lastSeen) if (seen < oldest) oldest = seen;
  return Math.max(1, Math.ceil((oldest + idleMs - now) / 1000));
}

/** The message of the 429 (a JSON-RPC error with `RPC_ERRORS.serverError`), saying how to get a place back. */
export function tooManySessionsText(max: number): string {
  return `Too many open MCP sessions for this user (${max}): end one (DELETE with its Mcp-Session-Id) or wait for one to idle out, then initialize again`;
}

/**
 * Whether a JSON-RPC body (a message or a batch) asks to open a session:
 * the requests that need a place under the cap.
 *
 * @example
 * ```ts
 * startsSession({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { ... } }); // true
 * ```
 */
export function startsSession(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}
