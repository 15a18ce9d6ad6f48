import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Upstream tokens at rest: AES-256-GCM with a fresh 96-bit IV per record,
 * the record's id as additional data (a sealed record copied under another
 * grant's id does not open), and a version prefix for later key rotation.
 */

const VERSION = 'v1';

/** A 256-bit key derived (HKDF-SHA256) from a secret: `GATEHOUSE_SECRET`, or the generated one in the state directory. */
export function sealingKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gatehouse', 'gatehouse/upstream-tokens/v1', 32));
}

/**
 * Encrypts `value` (any JSON) for the record `id`.
 *
 * @example
 * ```ts
 * const sealed = seal(key, 'grant-1', { accessToken: '...' });
 * open(key, 'grant-1', sealed); // { accessToken: '...' }
 * ```
 */
export function seal(key: Buffer, id: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(id, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/**
 * Decrypts what {@link seal} made for the same `id`; `undefined` when it
 * does not open (another key, another id, tampered).
 *
 * @example
 * ```ts
 * open(key, 'grant-2', seal(key, 'grant-1', 1)); // undefined
 * ```
 */
export function open<T>(key: Buffer, id: string, sealed: unknown): T | undefined {
  if (typeof sealed !== 'string') return undefined;
  const [version, iv, body, tag] = sealed.split('.');
  if (version !== VERSION || !iv || body === undefined || !tag) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
