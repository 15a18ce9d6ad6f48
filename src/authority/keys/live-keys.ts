/**
 * The authority's signing keys while it runs: re-read from the key file
 * every {@link KEY_REFRESH_SEC} seconds and at each retired key's removal
 * time, so a `gatehouse keys rotate` run by another process takes effect
 * without a restart: the new key signs, and the key it replaced stops being
 * published and accepted once its retention has run out.
 */
import type { JWSHeaderParameters } from 'jose';
import { ConfigError } from '../../errors.js';
import type { KeySource } from '../../tokens/jwt-verifier.js';
import type { StoredKey } from './key-file.js';
import { buildAuthorityKeys, publishedUntil, type AuthorityKeys } from './key-set.js';
import { loadStoredKeys, type LoadKeysOptions } from './load.js';
import { checkAlgorithms, KEY_REFRESH_SEC, keyLocation, nowSeconds, pruneRetired, readKeyFile } from './state.js';

/** Options of {@link loadLiveKeys}. */
export interface LiveKeysOptions extends LoadKeysOptions {
  /** Longest time between two reads of the key file, in milliseconds. Default {@link KEY_REFRESH_SEC}; shorter in tests. */
  refreshIntervalMs?: number;
}

/** Signing keys that follow the key file; every property reads the keys in use now. */
export interface LiveAuthorityKeys extends AuthorityKeys {
  /** Re-reads the key file now (the timer does it on its own); resolves to whether the keys in use changed. */
  refresh(): Promise<boolean>;
  /** Runs `listener` with the new keys after each change, before they are in use; a listener that throws cancels the change. */
  onChange(listener: (keys: AuthorityKeys) => void): void;
  /** Stops the timer. */
  close(): void;
}

/** setTimeout's longest delay; a removal further away is reached through the regular refreshes. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The pause before retrying a removal that is due but could not be applied. */
const RETRY_MS = 1000;

/** The parts of a stored key that decide how it is used; two key sets with equal fingerprints behave the same. */
function fingerprint(keys: readonly StoredKey[]): string {
  return JSON.stringify(keys.map((k) => [k.jwk.kid, k.retiredAt, k.unusedSince, k.retainSec]).sort());
}

/**
 * Loads the signing keys as {@link loadOrCreateKeys} does, and keeps them
 * current while the process runs (an unref'd timer; `close()` clears it). A
 * key file that cannot be read or used on a refresh keeps the keys in use
 * and warns (once per distinct problem, naming the file and the reason,
 * never key material); retired keys are still dropped at their time.
 *
 * @example
 * ```ts
 * const keys = await loadLiveKeys({ stateDir: '.gatehouse', algorithms: ['RS256', 'ES256'] });
 * keys.onChange((next) => swapProviderKeys(provider, next.jwks));
 * // on shutdown
 * keys.close();
 * ```
 */
export async function loadLiveKeys(options: LiveKeysOptions): Promise<LiveAuthorityKeys> {
  const algorithms = checkAlgorithms(options.algorithms);
  const intervalMs = options.refreshIntervalMs ?? KEY_REFRESH_SEC * 1000;
  const clock = options.now ?? Date.now;
  const warn = options.warn ?? ((message: string) => console.warn(`gatehouse: warning: ${message}`));
  const listeners: ((keys: AuthorityKeys) => void)[] = [];
  let stored = await loadStoredKeys(options);
  let current = await buildAuthorityKeys(stored, algorithms);
  // Problems already told since the last good read: each once, even when two alternate (a refresh every minute must not repeat them).
  const told = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let queue: Promise<boolean> = Promise.resolve(false);

  function warnOnce(message: string): void {
    if (told.has(message)) return;
    told.add(message);
    warn(message);
  }

  async function readUsableKeys(): Promise<StoredKey[]> {
    const path = keyLocation(options);
    const file = await readKeyFile({ ...options, warn: warnOnce });
    if (!file) throw new ConfigError(`The signing key file ${path} is gone`);
    const missing = algorithms.filter((alg) => !file.keys.some((k) => k.jwk.alg === alg && k.retiredAt === undefined));
    if (missing.length > 0) throw new ConfigError(`The signing key file ${path} has no active key for ${missing.join(', ')}`);
    return file.keys;
  }

  async function refreshNow(): Promise<boolean> {
    let next = stored;
    if (options.persist !== false) {
      try {
        next = await readUsableKeys();
        told.clear();
      } catch (err) {
        // ConfigError messages name the file and what is wrong with it, never key material.
        const why = err instanceof ConfigError ? err.message : 'it could not be read';
        warnOnce(`re-reading the signing keys failed; the ${stored.length} keys in use stay in use. ${why}`);
      }
    }
    next = pruneRetired(next, nowSeconds(clock)).kept;
    if (fingerprint(next) === fingerprint(stored)) return false;
    const built = await buildAuthorityKeys(next, algorithms);
    try {
      for (const listener of listeners) listener(built);
    } catch (err) {
      for (const listener of listeners) listener(current);
      warnOnce(`the new signing keys could not be put in use (${(err as Error).message}); the keys in use stay in use`);
      return false;
    }
    stored = next;
    current = built;
    return true;
  }

  function refresh(): Promise<boolean> {
    // One refresh at a time, each reading the file afresh.
    queue = queue.then(refreshNow, refreshNow);
    return queue;
  }

  function schedule(): void {
    if (closed) return;
    const removals = stored.map((k) => publishedUntil(k)).filter((s): s is number => s !== undefined);
    const untilRemoval = removals.length > 0 ? Math.min(...removals) * 1000 - clock() : Infinity;
    // A removal already due that the last refresh could not apply is retried after a pause, not in a loop.
    const delay = untilRemoval > 0 ? Math.min(intervalMs, untilRemoval, MAX_DELAY_MS) : Math.min(intervalMs, RETRY_MS);
    timer = setTimeout(tick, delay);
    timer.unref();
  }

  function tick(): void {
    refresh()
      .catch((err: unknown) => warnOnce(`refreshing the signing keys failed (${(err as Error).message})`))
      .finally(schedule);
  }

  schedule();
  const keySource: KeySource = { getKeys: (header: JWSHeaderParameters) => current.keySource.getKeys(header) };
  return {
    get jwks() {
      return current.jwks;
    },
    get publicJwks() {
      return current.publicJwks;
    },
    keySource,
    get algorithms() {
      return current.algorithms;
    },
    get info() {
      return current.info;
    },
    refresh,
    onChange(listener) {
      listeners.push(listener);
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
