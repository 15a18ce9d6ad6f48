import { parseArgs } from 'node:util';
import { listKeys, rotateKeys, keyFilePath, SIGNING_ALGORITHMS, type KeyInfo, type SharedKeyFile, type SigningAlgorithm } from '../authority/keys/index.js';
import { requireSharedSecret, SHARED_KEY_REFRESH_MS, sharedKeyFile } from '../authority/shared-state.js';
import { createStore, type RedisStoreFactory } from '../authority/stores/index.js';
import { ENV_NAMES } from '../config/env.js';
import { describeIssues } from '../config/issues.js';
import type { ConfigLayer } from '../config/schema.js';
import { authoritySchema, type AuthorityConfig } from '../config/sections/authority.js';
import { UsageError, type Io } from './io.js';
import { loadLayers } from './server-settings.js';
import { bold, green, yellow } from './style.js';

export const KEYS_USAGE = `Usage: gatehouse keys <list|rotate> [options]

The signing keys of Gatehouse's own authorization server (authority mode),
kept in <state dir>/keys.json and made on its first start. With
GATEHOUSE_STORE=redis they live in Redis instead, sealed with GATEHOUSE_SECRET,
and every instance on it uses a rotation within seconds.

Commands:
  list                List every key: kid, algorithm, created, active or retiring
  rotate              Add a new key per algorithm. Running servers re-read the
                      key file every minute and sign with the new keys from
                      then on (no restart needed). The keys it replaces stay
                      published until the tokens they signed have expired,
                      then go: servers stop publishing and accepting them at
                      the time printed.

Options:
  --state-dir <dir>   State directory           (env GATEHOUSE_STATE_DIR, default .gatehouse)
  --config <file>     JSON or YAML config file  (env GATEHOUSE_CONFIG, default ./gatehouse.config.json|yaml|yml)
  --alg <alg>         rotate: only this algorithm (RS256, ES256, EdDSA; repeatable;
                      default every one in authority.signingAlgorithms)
  --retain <seconds>  rotate: how long replaced keys stay published once nothing
                      signs with them (default: the access token lifetime plus the
                      clock tolerance plus 5 minutes)
  --json              Print JSON instead of text
  -h, --help          Show this help

Examples:
  gatehouse keys list
  gatehouse keys rotate
  GATEHOUSE_STATE_DIR=/var/lib/gatehouse gatehouse keys rotate --alg ES256
  gatehouse keys rotate --retain 7200 --json
`;

/** Extra time replaced keys stay published, beyond the last token they signed. */
const RETAIN_MARGIN_SEC = 300;

interface KeysSettings {
  command: 'list' | 'rotate';
  stateDir: string;
  authority: AuthorityConfig;
  algorithms: SigningAlgorithm[];
  retainSec: number;
  json: boolean;
}

function parseRetain(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`--retain="${value}" is not a whole number of seconds`);
  return n;
}

function parseAlgorithms(values: string[]): SigningAlgorithm[] {
  for (const alg of values) {
    if (!SIGNING_ALGORITHMS.includes(alg as SigningAlgorithm)) throw new UsageError(`--alg ${alg}: use one of ${SIGNING_ALGORITHMS.join(', ')}`);
  }
  return [...new Set(values)] as SigningAlgorithm[];
}

function authorityFrom(layers: ConfigLayer): AuthorityConfig {
  const result = authoritySchema.safeParse(layers.authority ?? {});
  if (result.success) return result.data;
  throw describeIssues(result.error, layers.authority, { title: 'Invalid Gatehouse config', envNames: ENV_NAMES, section: ['authority'] });
}

async function settingsFrom(argv: string[], env: NodeJS.ProcessEnv): Promise<KeysSettings | 'help'> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      'state-dir': { type: 'string' },
      config: { type: 'string' },
      alg: { type: 'string', multiple: true },
      retain: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const [command, ...extra] = positionals;
  if (command === undefined) throw new UsageError('say which: list or rotate');
  if (command !== 'list' && command !== 'rotate') throw new UsageError(`unknown subcommand "${command}"; use list or rotate`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const flags: ConfigLayer = values['state-dir'] === undefined ? {} : { authority: { stateDir: values['state-dir'] } };
  const { layers } = await loadLayers({}, values.config, env, flags);
  const authority = authorityFrom(layers);
  const clockToleranceSec = layers.jwt?.clockToleranceSec ?? 30;
  return {
    command,
    stateDir: authority.stateDir,
    authority,
    algorithms: values.alg ? parseAlgorithms(values.alg) : authority.signingAlgorithms,
    retainSec: values.retain !== undefined ? parseRetain(values.retain) : authority.accessTokenTtlSec + clockToleranceSec + RETAIN_MARGIN_SEC,
    json: values.json ?? false,
  };
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * A duration for people: `1h 5m`, `90s`, `2d 3h`.
 *
 * @example
 * ```ts
 * humanDuration(3900); // '1h 5m'
 * ```
 */
export function humanDuration(seconds: number): string {
  const parts: string[] = [];
  const units: [string, number][] = [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]];
  let rest = seconds;
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(' ') || '0s';
}

function retention(key: KeyInfo): string {
  if (key.publishedUntil !== undefined) return `published until ${iso(key.publishedUntil)}`;
  return `published until ${humanDuration(key.retainSec ?? 0)} after the next start`;
}

function describeStatus(key: KeyInfo, configured: readonly SigningAlgorithm[]): string {
  if (!configured.includes(key.alg)) return 'not published (algorithm not configured)';
  return key.status === 'active' ? green('active') : yellow(`retiring, ${retention(key)}`);
}

function printList(io: Io, path: string, keys: KeyInfo[], configured: readonly SigningAlgorithm[]): void {
  const kidWidth = Math.max(3, ...keys.map((k) => k.kid.length));
  io.out(`Signing keys in ${path}`);
  io.out(bold(`${'KID'.padEnd(kidWidth)}  ALG    CREATED               STATUS`));
  for (const key of keys) {
    io.out(`${key.kid.padEnd(kidWidth)}  ${key.alg.padEnd(5)}  ${iso(key.createdAt)}  ${describeStatus(key, configured)}`);
  }
}

/**
 * `gatehouse keys list|rotate`: shows or rotates the authority's signing
 * keys. Resolves to the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runKeys(['rotate', '--state-dir', '/var/lib/gatehouse'], process.env, io);
 * ```
 */
export async function runKeys(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const settings = await settingsFrom(argv, env);
  if (settings === 'help') {
    io.out(KEYS_USAGE);
    return 0;
  }
  const shared = await openSharedKeys(settings.authority);
  try {
    return await keysCommand(settings, io, shared?.keyStore);
  } finally {
    await shared?.close();
  }
}

/** On the Redis store the keys live in Redis, shared by every instance (see authority/shared-state.ts). */
async function openSharedKeys(authority: AuthorityConfig): Promise<{ keyStore: SharedKeyFile; close(): Promise<void> } | undefined> {
  if (authority.store !== 'redis') return undefined;
  requireSharedSecret(authority);
  const store = createStore(authority) as RedisStoreFactory;
  return { keyStore: sharedKeyFile(authority, store), close: () => store.close() };
}

async function keysCommand(settings: KeysSettings, io: Io, keyStore: SharedKeyFile | undefined): Promise<number> {
  const path = keyStore?.where ?? keyFilePath(settings.stateDir);
  if (settings.command === 'list') {
    const keys = await listKeys({ stateDir: settings.stateDir, keyStore, warn: (m) => io.err(yellow(`warning: ${m}`, process.stderr)) });
    if (settings.json) io.out(JSON.stringify({ path, keys: keys ?? [] }, null, 2));
    else if (!keys) io.out(`No signing keys yet in ${path}: Gatehouse makes them when it first starts as the authorization server (or run gatehouse keys rotate).`);
    else printList(io, path, keys, settings.authority.signingAlgorithms);
    return 0;
  }
  const result = await rotateKeys({
    stateDir: settings.stateDir,
    keyStore,
    algorithms: settings.algorithms,
    retainSec: settings.retainSec,
    warn: (m) => io.err(yellow(`warning: ${m}`, process.stderr)),
  });
  if (settings.json) {
    io.out(JSON.stringify({ path, ...result }, null, 2));
    return 0;
  }
  io.out(`${green(bold('Rotated'))} the signing keys in ${path}`);
  for (const key of result.added) io.out(`  new       ${key.alg.padEnd(5)}  kid ${key.kid}  signs within a minute`);
  for (const key of result.retired) io.out(`  retiring  ${key.alg.padEnd(5)}  kid ${key.kid}  ${retention(key)}, for the tokens it signed`);
  for (const key of result.pruned) io.out(`  removed   ${key.alg.padEnd(5)}  kid ${key.kid}  (retired, its tokens have expired)`);
  io.out(
    keyStore
      ? `Every instance on the Redis store signs with the new keys within seconds (they re-read them every ${SHARED_KEY_REFRESH_MS / 1000} s); no restart needed.`
      : `Running servers sign with the new keys within a minute (they re-read the key file); no restart needed.`,
  );
  return 0;
}
