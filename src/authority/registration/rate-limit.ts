import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientAddress } from '../../server/client-address.js';
import { addressBucket } from '../identity/address-bucket.js';

/** How fast one client address may register clients. */
export interface RegistrationRateLimit {
  burst: number;
  refillSec: number;
}

export interface RegistrationRateLimitOptions extends RegistrationRateLimit {
  /** Read the client's address from the trusted proxy's `X-Forwarded-For` (GATEHOUSE_TRUST_PROXY). */
  trustProxy: boolean;
  /** Milliseconds since the epoch; tests pass a clock they move by hand. */
  now?: () => number;
  /** Told about each refused registration (the `ratelimit.hit` audit event). */
  onLimited?: () => void;
}

/**
 * A token bucket per client address in front of dynamic client
 * registration: every `POST` to the registration endpoint takes a token,
 * whatever its outcome (a refused registration costs the server work too),
 * and tokens come back one per `refillSec`. Without it one source could
 * store clients as fast as it can send them, each kept in the store.
 *
 * The rate is limited, not the total, so a hosted client whose users all
 * register from one egress address is slowed, never locked out. Reading a
 * registration (`GET` with its registration access token) is not counted.
 *
 * @example
 * ```ts
 * installRegistrationRateLimit(provider, '/oauth/register', { burst: 20, refillSec: 30, trustProxy: false });
 * ```
 */
export function installRegistrationRateLimit(provider: Provider, registrationPath: string, options: RegistrationRateLimitOptions): void {
  const buckets = addressBucket({ addressBurst: options.burst, addressRefillSec: options.refillSec }, options.now);
  provider.use(async function registrationRateLimit(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    if (ctx.method !== 'POST' || ctx.path !== registrationPath) return next();
    const address = clientAddress(ctx.req, options.trustProxy);
    const waitMs = buckets.wait(address);
    if (waitMs > 0) {
      options.onLimited?.();
      const retryAfterSec = Math.max(1, Math.ceil(waitMs / 1000));
      ctx.status = 429;
      ctx.set('retry-after', String(retryAfterSec));
      ctx.set('cache-control', 'no-store');
      // RFC 6749's code for "try again later"; RFC 7591 has none of its own.
      ctx.body = {
        error: 'temporarily_unavailable',
        error_description: `Too many client registrations from this address; retry after ${retryAfterSec} s`,
      };
      return;
    }
    buckets.take(address);
    return next();
  });
}
