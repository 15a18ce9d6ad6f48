import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import { createFileExclusive, ensurePrivateDir, readTextIfExists, widerThanPrivate } from '../stores/state-dir.js';

/** Options of `loadOrCreateSecret`. */
export interface SecretOptions {
  /** `false`: a new random secret in memory only (memory store, tests). Default `true`. */
  persist?: boolean;
  /** Where warnings go. Default `console.warn`. */
  warn?: (message: string) => void;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A random 32-byte secret (base64url) kept in `<stateDir>/<name>.secret`
 * (0600), made on first use: for oidc-provider's `cookies.keys`, so session
 * cookies stay valid across restarts. A file that exists but is not such a
 * secret is a `ConfigError`, not replaced.
 *
 * @example
 * ```ts
 * const cookieKey = await loadOrCreateSecret('.gatehouse', 'cookies');
 * new Provider(issuer, { cookies: { keys: [cookieKey] } });
 * ```
 */
export async function loadOrCreateSecret(stateDir: string, name: string, options: SecretOptions = {}): Promise<string> {
  if (!NAME.test(name)) throw new ConfigError(`A secret's name is lower-case letters, digits and "-", not ${JSON.stringify(name)}`);
  if (options.persist === false) return newSecret();
  const dir = resolve(stateDir);
  const path = join(dir, `${name}.secret`);
  await ensurePrivateDir(dir);
  let text = await readSecretFile(path);
  if (text === undefined) {
    const secret = newSecret();
    if (await createFileExclusive(path, `${secret}\n`, { fsync: true })) return secret;
    text = (await readSecretFile(path)) ?? '';
  }
  const secret = text.trim();
  if (!SECRET.test(secret)) {
    throw new ConfigError(
      `The secret file ${path} is not a Gatehouse secret (43 base64url characters). Restore it, or delete it to have a new one ` +
        'made (current sign-in sessions then end).',
    );
  }
  const wide = await widerThanPrivate(path);
  if (wide) (options.warn ?? ((m: string) => console.warn(`gatehouse: warning: ${m}`)))(`the secret file ${wide}`);
  return secret;
}

async function readSecretFile(path: string): Promise<string | undefined> {
  try {
    return await readTextIfExists(path);
  } catch (err) {
    throw new ConfigError(`Cannot read the secret file ${path} (${(err as Error).message}); check its owner and permissions`);
  }
}
