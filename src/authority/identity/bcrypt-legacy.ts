import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checking the bcrypt hashes of users files written before scrypt. `bcryptjs`
 * is pure JavaScript: on the main thread one check at cost 11 holds the event
 * loop for ~0.2 s, and its async API only slices that into 100 ms chunks that
 * still run back to back, so 40 concurrent sign-ins stalled every request for
 * seconds. Here checks run in one worker thread instead; the hash is upgraded
 * to scrypt at the user's next successful sign-in, so the worker goes quiet.
 */

const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Whether a string is a bcrypt hash (`$2b$11$...`) with a cost bcrypt accepts. */
export function isBcryptHash(value: string): boolean {
  const match = BCRYPT_HASH.exec(value);
  return match !== null && Number(match[1]) >= 4 && Number(match[1]) <= 31;
}

/**
 * A bcrypt-shaped string of the same cost that no password matches (random
 * salt and digest), so checking against it costs what a real hash costs.
 */
export function bcryptDummy(like: string): string {
  const cost = BCRYPT_HASH.exec(like)?.[1] ?? '11';
  const chars = [...randomBytes(53)].map((byte) => BCRYPT_ALPHABET[byte % 64]).join('');
  return `$2b$${cost}$${chars}`;
}

// Plain CommonJS run with `eval`, so the same code works from the TypeScript sources (tests) and from dist.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptjs);
parentPort.on('message', ({ id, password, hash }) => {
  let matches = false;
  try { matches = bcrypt.compareSync(password, hash); } catch { matches = false; }
  parentPort.postMessage({ id, matches });
});
`;

interface Pending {
  resolve(matches: boolean): void;
  reject(error: Error): void;
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

function startWorker(): Worker {
  const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptjs: createRequire(import.meta.url).resolve('bcryptjs') } });
  started.on('message', ({ id, matches }: { id: number; matches: boolean }) => {
    pending.get(id)?.resolve(matches === true);
    pending.delete(id);
    if (pending.size === 0) started.unref();
  });
  const fail = (error: Error) => {
    if (worker === started) worker = undefined;
    for (const job of pending.values()) job.reject(error);
    pending.clear();
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`the bcrypt worker stopped (exit code ${code})`)));
  return started;
}

/**
 * Whether the password matches a bcrypt hash, computed off the event loop.
 * Checks queue in one worker, which holds the process open only while it has
 * work.
 *
 * @example
 * ```ts
 * await bcryptMatches('correct horse battery staple', '$2b$11$...'); // true
 * ```
 */
export function bcryptMatches(password: string, hash: string): Promise<boolean> {
  worker ??= startWorker();
  const id = nextId++;
  const running = worker;
  running.ref();
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    running.postMessage({ id, password, hash });
  });
}
