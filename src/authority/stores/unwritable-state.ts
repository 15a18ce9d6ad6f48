import { errnoCode } from './state-dir.js';
import { StoreUnavailableError, type Adapter } from './types.js';

/**
 * A state directory that cannot be written (read-only, full, over quota)
 * is an outage of the file store, not a bug: each write fails with a
 * {@link StoreUnavailableError} (the authority answers `503` with
 * `Retry-After`), the operator gets a log line naming the directory and
 * the reason, and reads go on, so what was written before is still
 * served. Writes are atomic (a temp file renamed), so a failed one leaves
 * the record as it was.
 */

/** What each errno means for someone fixing the server. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large (a file-size limit)',
};

/** What a client is told: no path, no errno. */
export const UNWRITABLE_DESCRIPTION = "The authorization server cannot write its state directory; try again later";

/** The same reason is logged at most once a minute: a full disk must not fill the log too. */
const WARN_EVERY_MS = 60_000;

/**
 * Wraps a file store model's adapter so write failures of the state
 * directory become store outages, each logged (at most once a minute per
 * reason).
 *
 * @example
 * ```ts
 * const adapter = unwritableAsOutage(adapterFor('Grant'), '/var/lib/gatehouse/store', warn);
 * ```
 */
export function unwritableAsOutage(adapter: Adapter, root: string, warn: (message: string) => void, now: () => number = Date.now): Adapter {
  const lastWarned = new Map<string, number>();
  function outage(err: unknown): never {
    const code = errnoCode(err);
    const reason = REASONS[code];
    if (!reason) throw err;
    const message = `the state directory ${root} cannot be written: ${code} (${reason}); requests that write (sign-ins, tokens, registrations) get 503 until it can, tokens already issued keep working`;
    if (now() - (lastWarned.get(code) ?? -Infinity) >= WARN_EVERY_MS) {
      lastWarned.set(code, now());
      warn(message);
    }
    throw new StoreUnavailableError(message, { cause: err, description: UNWRITABLE_DESCRIPTION });
  }
  const writing =
    <A extends unknown[], R>(op: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      op(...args).catch(outage);
  return {
    ...adapter,
    upsert: writing(adapter.upsert.bind(adapter)),
    consume: writing(adapter.consume.bind(adapter)),
    destroy: writing(adapter.destroy.bind(adapter)),
    revokeByGrantId: writing(adapter.revokeByGrantId.bind(adapter)),
  };
}
