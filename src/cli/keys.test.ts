import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateKeys } from '../authority/keys/index.js';
import type { Io } from './io.js';
import { humanDuration } from './keys.js';
import { runCli } from './run.js';

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gatehouse-cli-keys-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function freshDir(): string {
  count += 1;
  return join(root, `state-${count}`);
}

function capture(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(text: string) {
      io.stdout += `${text}\n`;
    },
    err(text: string) {
      io.stderr += `${text}\n`;
    },
  };
  return io;
}

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ NO_COLOR: '1', ...extra });

async function run(args: string[], extraEnv: Record<string, string> = {}) {
  const io = capture();
  const code = await runCli(args, env(extraEnv), io);
  return { code, ...io };
}

describe('gatehouse keys', () => {
  it('shows its help with examples, and is listed in the main help', async () => {
    const help = await run(['keys', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: gatehouse keys <list\|rotate>/);
    expect(help.stdout).toMatch(/Examples:\n {2}gatehouse keys list/);
    expect((await run(['--help'])).stdout).toMatch(/keys +List or rotate/);
  });

  it('refuses a missing or unknown subcommand with usage and exit code 2', async () => {
    for (const args of [['keys'], ['keys', 'shred'], ['keys', 'rotate', '--retain', 'soon'], ['keys', 'rotate', '--alg', 'HS256']]) {
      const result = await run([...args, '--state-dir', freshDir()]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^gatehouse keys: .+\n\nUsage: gatehouse keys/);
    }
  });

  it('lists nothing before the first start', async () => {
    const stateDir = freshDir();
    const result = await run(['keys', 'list', '--state-dir', stateDir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/No signing keys yet in .*keys\.json/);
  });

  it('lists the keys the authority made, from GATEHOUSE_STATE_DIR', async () => {
    const stateDir = freshDir();
    const keys = await loadOrCreateKeys({ stateDir, algorithms: ['RS256', 'ES256', 'EdDSA'] });
    const result = await run(['keys', 'list'], { GATEHOUSE_STATE_DIR: stateDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(join(stateDir, 'keys.json'));
    for (const jwk of keys.jwks.keys) expect(result.stdout).toMatch(new RegExp(`${jwk.kid} +${jwk.alg} +\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z +active`));
  });

  it('rotates: prints the new kids and how long the old keys stay published; list then shows both', async () => {
    const stateDir = freshDir();
    const before = await loadOrCreateKeys({ stateDir, algorithms: ['RS256', 'ES256', 'EdDSA'] });
    const rotated = await run(['keys', 'rotate', '--state-dir', stateDir, '--alg', 'ES256'], { GATEHOUSE_ACCESS_TOKEN_TTL: '600' });
    expect(rotated.code).toBe(0);
    const oldKid = before.jwks.keys.find((k) => k.alg === 'ES256')!.kid;
    const newKid = /new +ES256 +kid (\S+)/.exec(rotated.stdout)?.[1];
    expect(newKid).toBeDefined();
    expect(newKid).not.toBe(oldKid);
    // 600 s tokens + 30 s clock tolerance + 5 min margin.
    // 600 s tokens + 30 s clock tolerance + 5 min margin, from a minute on (when running servers have stopped signing with it).
    const until = /retiring {2}ES256 {2}kid \S+ {2}published until (\S+), for the tokens it signed/.exec(rotated.stdout)?.[1];
    expect(rotated.stdout).toContain(`retiring  ES256  kid ${oldKid}  published until ${until}`);
    const json = JSON.parse((await run(['keys', 'list', '--state-dir', stateDir, '--json'])).stdout) as { keys: { kid: string; retiredAt?: number; publishedUntil?: number }[] };
    const old = json.keys.find((k) => k.kid === oldKid)!;
    expect(old.publishedUntil).toBe(old.retiredAt! + 60 + 930);
    expect(new Date(until!).getTime()).toBe(old.publishedUntil! * 1000);
    expect(rotated.stdout).toMatch(/Running servers sign with the new keys within a minute/);

    const listed = await run(['keys', 'list', '--state-dir', stateDir]);
    expect(listed.stdout).toMatch(new RegExp(`${newKid} +ES256 .* active`));
    expect(listed.stdout).toMatch(new RegExp(`${oldKid} +ES256 .* retiring, published until ${until}`));
  });

  it('rotates every configured algorithm by default, with --retain and --json', async () => {
    const stateDir = freshDir();
    await loadOrCreateKeys({ stateDir, algorithms: ['RS256', 'ES256', 'EdDSA'] });
    const result = await run(['keys', 'rotate', '--state-dir', stateDir, '--retain', '7200', '--json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { added: { alg: string }[]; retired: { retainSec: number }[] };
    expect(parsed.added.map((k) => k.alg)).toEqual(['RS256', 'ES256', 'EdDSA']);
    expect(parsed.retired.map((k) => k.retainSec)).toEqual([7200, 7200, 7200]);
  });

  it('reads the state directory from the config file, and --state-dir wins over it', async () => {
    const fromFile = freshDir();
    const fromFlag = freshDir();
    await loadOrCreateKeys({ stateDir: fromFile, algorithms: ['ES256'] });
    const config = join(root, `config-${count}.json`);
    await writeFile(config, JSON.stringify({ authority: { stateDir: fromFile, signingAlgorithms: ['ES256'] } }));
    expect((await run(['keys', 'list', '--config', config])).stdout).toContain(join(fromFile, 'keys.json'));
    expect((await run(['keys', 'list'], { GATEHOUSE_CONFIG: config })).stdout).toContain(join(fromFile, 'keys.json'));
    expect((await run(['keys', 'list', '--config', config, '--state-dir', fromFlag])).stdout).toContain(join(fromFlag, 'keys.json'));
  });

  it('fails cleanly on a corrupt key file and leaves it as it was', async () => {
    const stateDir = freshDir();
    await mkdir(stateDir, { recursive: true });
    await writeFile(join(stateDir, 'keys.json'), 'not json');
    for (const command of ['list', 'rotate']) {
      const result = await run(['keys', command, '--state-dir', stateDir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^gatehouse keys: The signing key file .*keys\.json cannot be used/);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
    expect(await readFile(join(stateDir, 'keys.json'), 'utf8')).toBe('not json');
  });
});

describe('humanDuration', () => {
  it('says durations the way people do', () => {
    expect(humanDuration(0)).toBe('0s');
    expect(humanDuration(90)).toBe('1m 30s');
    expect(humanDuration(3900)).toBe('1h 5m');
    expect(humanDuration(2 * 86_400 + 3 * 3600 + 5)).toBe('2d 3h');
  });
});
