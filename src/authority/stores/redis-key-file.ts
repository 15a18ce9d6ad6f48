import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConfigError } from '../../errors.js';
import type { SharedKeyFile } from '../keys/state.js';
import { guardRedis } from './redis-connection.js';

/** The sealed form's version tag: `v1.<iv>.<ciphertext+tag>`, base64url parts. */
const SEALED = /^v1\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]+)$/;

/**
 * A key derived from `GATEHOUSE_SECRET` for one purpose (HKDF-SHA256), so
 * the one secret every instance shares never serves two uses directly.
 *
 * @example
 * ```ts
 * const cookieKey = deriveKey(process.env.GATEHOUSE_SECRET!, 'cookies').toString('base64url');
 * ```
 */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gatehouse', `gatehouse ${purpose}`, 32));
}

/**
 * Encrypts text with AES-256-GCM under a key derived from the secret.
 *
 * @example
 * ```ts
 * const sealed = seal(secret, 'signing keys', json);
 * open(secret, 'signing keys', sealed); // json
 * ```
 */
export function seal(secret: string, purpose: string, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secret, purpose), iv);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
}

/** The text `seal` encrypted; `undefined` when the secret is not the one it was sealed with or the text was changed. */
export function unseal(secret: string, purpose: string, sealed: string): string | undefined {
  const parts = SEALED.exec(sealed);
  if (!parts) return undefined;
  const body = Buffer.from(parts[2]!, 'base64url');
  if (body.length < 16) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(secret, purpose), Buffer.from(parts[1]!, 'base64url'));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * The signing key file in Redis (`<prefix>keys`), sealed with
 * `GATEHOUSE_SECRET`: every instance on the store reads the same keys, and
 * `gatehouse keys rotate` on any of them is seen by all at their next
 * refresh. Someone who can read Redis but lacks the secret learns nothing;
 * a value sealed with another secret stops the start with a `ConfigError`
 * rather than being replaced (which would sign everybody out).
 *
 * @example
 * ```ts
 * const keys = await loadLiveKeys({ stateDir, algorithms, keyStore: redisKeyFile(store.redis, store.prefix, secret, 'redis://cache:6379') });
 * ```
 */
export function redisKeyFile(redis: Redis, prefix: string, secret: string, where: string): SharedKeyFile {
  const key = `${prefix}keys`;
  const run = guardRedis(redis);
  const purpose = 'signing keys';
  const location = `the Redis store ${where} (key ${key})`;
  return {
    where: location,
    async read() {
      const sealed = await run(() => redis.get(key));
      if (sealed === null) return undefined;
      const text = unseal(secret, purpose, sealed);
      if (text === undefined) {
        throw new ConfigError(
          `The signing keys in ${location} cannot be decrypted with this GATEHOUSE_SECRET: every instance must have the same secret. ` +
            'Gatehouse will not replace them, which would sign everybody out.',
        );
      }
      return text;
    },
    async create(text) {
      return (await run(() => redis.set(key, seal(secret, purpose, text), 'NX'))) === 'OK';
    },
    async write(text) {
      await run(() => redis.set(key, seal(secret, purpose, text)));
    },
  };
}
