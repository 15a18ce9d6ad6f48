/**
 * Private files under the state directory: directories 0700, files 0600,
 * every write atomic (a temp file renamed over the target), so a crash never
 * leaves half a key set or half a session behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';

/** Directories the state lives in: only the owner may list them. */
const DIR_MODE = 0o700;
/** Files with keys, secrets, sessions and tokens: only the owner may read them. */
const FILE_MODE = 0o600;

/** Temp files are named `<target>.<random>.tmp`, beside their target so `rename` stays atomic. */
export const TEMP_SUFFIX = '.tmp';

/** POSIX permissions mean nothing on Windows; skip mode checks there. */
const CHECK_MODES = process.platform !== 'win32';

/**
 * Hex SHA-256 of a string: how ids become file names (an id can be a bearer
 * secret, and file names end up in listings, backups and logs).
 *
 * @example
 * ```ts
 * sha256Hex('refresh-token-value'); // '5f2b...' (64 hex characters)
 * ```
 */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Creates a directory (and its parents) with mode 0700 if missing.
 *
 * @example
 * ```ts
 * await ensurePrivateDir('.gatehouse/store/Session');
 * ```
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * The error code of a failed fs call (`ENOENT`, `EACCES`...), or `''`.
 *
 * @example
 * ```ts
 * if (errnoCode(err) === 'ENOENT') return undefined;
 * ```
 */
export function errnoCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * Reads a text file, or `undefined` when it does not exist. Other failures
 * (permissions, a directory in the way) are thrown.
 *
 * @example
 * ```ts
 * const text = await readTextIfExists('.gatehouse/keys.json');
 * ```
 */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

interface WriteOptions {
  /** Flush the data to disk before the rename: for keys and secrets, which must survive a power cut. */
  fsync?: boolean;
}

async function writeTemp(path: string, data: string, options: WriteOptions): Promise<string> {
  const temp = `${path}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
  const handle = await open(temp, 'wx', FILE_MODE);
  try {
    await handle.writeFile(data, 'utf8');
    if (options.fsync) await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw err;
  }
  await handle.close();
  return temp;
}

/**
 * Writes a 0600 file atomically: readers see the old content or the new,
 * never a mix. The directory must exist.
 *
 * @example
 * ```ts
 * await writeFileAtomic('.gatehouse/keys.json', JSON.stringify(keys), { fsync: true });
 * ```
 */
export async function writeFileAtomic(path: string, data: string, options: WriteOptions = {}): Promise<void> {
  const temp = await writeTemp(path, data, options);
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}

/**
 * Writes a 0600 file atomically only if it does not exist yet; resolves to
 * `false` when another writer got there first (two processes starting at
 * once must not each make their own keys).
 *
 * @example
 * ```ts
 * if (!(await createFileExclusive(path, text))) text = await readFile(path, 'utf8');
 * ```
 */
export async function createFileExclusive(path: string, data: string, options: WriteOptions = {}): Promise<boolean> {
  const temp = await writeTemp(path, data, options);
  try {
    // link() fails with EEXIST instead of replacing, unlike rename().
    await link(temp, path);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/**
 * Describes a file whose permissions let others than its owner read or
 * write it, or `undefined` when they do not (or on Windows).
 *
 * @example
 * ```ts
 * const problem = await widerThanPrivate('.gatehouse/keys.json');
 * if (problem) console.warn(problem);
 * ```
 */
export async function widerThanPrivate(path: string): Promise<string | undefined> {
  if (!CHECK_MODES) return undefined;
  const { mode } = await stat(path);
  if ((mode & 0o077) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  return `${path} has mode ${octal}: other users of this machine may read it. Run: chmod 600 ${path}`;
}
