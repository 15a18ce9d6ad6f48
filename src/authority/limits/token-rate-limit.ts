import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientAddress } from '../../server/client-address.js';
import { addressKey } from '../identity/address-bucket.js';
import type { BucketLimit, BucketStore } from './bucket-store.js';

/** Options of {@link installTokenRateLimit}. */
export interface TokenRateLimitOptions extends BucketLimit {
  /** Read the caller's address from the trusted proxy's `X-Forwarded-For` (GATEHOUSE_TRUST_PROXY). */
  trustProxy: boolean;
  buckets: BucketStore;
  /** Told about each refused request (the `ratelimit.hit` audit event). */
  onLimited?: (facts: { clientId?: string; address: string }) => void;
}

/**
 * The client an HTTP Basic token request names (its user part; the secret
 * is never decoded past the colon). The form body is not read here:
 * oidc-provider reads the request stream itself, and a body read before it
 * would have to be handed back through its fallback path.
 */
function basicClientIdOf(ctx: KoaContextWithOIDC): string | undefined {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(ctx.get('authorization'));
  if (!basic) return undefined;
  const user = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0];
  if (!user) return undefined;
  try {
    return decodeURIComponent(user.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * A token bucket in front of the token endpoint, keyed on the confidential
 * client that authenticates with HTTP Basic (a hosted client's many users
 * share it: the default limit is generous, 300 at once and 10 a second),
 * else on the caller's address (an IPv6 /64 counts as one), which is where
 * public clients' refresh storms and code-guessing come from. A refused request gets 429 with `Retry-After` and an
 * OAuth error body before oidc-provider spends work on it.
 *
 * @example
 * ```ts
 * installTokenRateLimit(provider, '/oauth/token', { burst: 300, refillSec: 0.1, trustProxy: false, buckets: memoryBucketStore() });
 * ```
 */
export function installTokenRateLimit(provider: Provider, tokenPath: string, options: TokenRateLimitOptions): void {
  provider.use(async function tokenRateLimit(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    if (ctx.method !== 'POST' || ctx.path !== tokenPath) return next();
    const address = clientAddress(ctx.req, options.trustProxy);
    const clientId = basicClientIdOf(ctx);
    const key = clientId ? `token:client:${clientId}` : `token:address:${addressKey(address)}`;
    const waitMs = await options.buckets.take(key, options);
    if (waitMs === 0) return next();
    options.onLimited?.({ clientId, address });
    const retryAfterSec = Math.max(1, Math.ceil(waitMs / 1000));
    ctx.status = 429;
    ctx.set('retry-after', String(retryAfterSec));
    ctx.set('cache-control', 'no-store');
    // Answered before oidc-provider's own CORS: a browser client must still read the 429 (no credentials are involved).
    ctx.set('access-control-allow-origin', '*');
    ctx.set('access-control-expose-headers', 'Retry-After');
    ctx.body = { error: 'temporarily_unavailable', error_description: `Too many token requests${clientId ? ' for this client' : ' from this address'}; retry after ${retryAfterSec} s` };
  });
}
