import type { Redis } from 'ioredis';
import type { RevocationChannel } from '../live-grants.js';

/**
 * Revocation across instances on one Redis: a pub/sub channel
 * (`<prefix>revocations`) on which each instance announces that a grant went
 * (revocation endpoint, refresh-token reuse, code replay), so every other
 * instance's gate forgets the grants it trusted and reads the store again
 * at the next request: the revoked token is refused everywhere within the
 * message's travel time. The channel carries no grant id (nothing to learn
 * by listening); a message lost while Redis is unreachable is bounded by the
 * live-grant cache's TTL (5 s).
 *
 * @example
 * ```ts
 * const channel = redisRevocations(store.redis, store.prefix);
 * requireLiveGrant(verifier, provider, { revocations: channel });
 * // on shutdown
 * await channel.close();
 * ```
 */
export function redisRevocations(redis: Redis, prefix: string): RevocationChannel & { close(): Promise<void> } {
  const channel = `${prefix}revocations`;
  // A connection in subscriber mode can run nothing else; it reconnects and resubscribes by itself.
  const subscriber = redis.duplicate();
  subscriber.on('error', () => {
    // The store's own connection reports outages; this one would only repeat them.
  });
  const listeners: (() => void)[] = [];
  // Our own announcement comes back to us too: harmless, the cache was just cleared anyway.
  subscriber.on('message', (name: string) => {
    if (name === channel) for (const listener of listeners) listener();
  });
  void subscriber.subscribe(channel).catch(() => {});
  return {
    announce() {
      if (redis.status !== 'ready') return;
      redis.publish(channel, '1').catch(() => {});
    },
    onRevocation(listener) {
      listeners.push(listener);
    },
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
