import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPassword } from '../authority/identity/password-hash.js';
import { readUsersFile } from '../authority/identity/users-file.js';
import type { Io } from './io.js';
import type { PasswordInput } from './password-input.js';
import { runCli } from './run.js';
import { runUsers } from './users.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function capture(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => void (io.stdout += `${text}\n`),
    err: (text: string) => void (io.stderr += `${text}\n`),
  };
  return io;
}

/** Standard input as a pipe would give it. */
function piped(text: string): PasswordInput {
  return { readAll: async () => text };
}

/** A terminal where the user types these answers, in order. */
function terminal(...answers: string[]): PasswordInput & { questions: string[] } {
  const questions: string[] = [];
  return {
    questions,
    readAll: async () => '',
    askHidden: async (question) => {
      questions.push(question);
      return answers.shift() ?? '';
    },
  };
}

let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-users-cli-'));
  env = { GATEHOUSE_STATE_DIR: dir };
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('gatehouse users', () => {
  it('adds a user from stdin, lists and removes them', async () => {
    const io = capture();
    expect(await runUsers(['add', 'alice', '--password-stdin', '--name', 'Alice Liddell', '--email', 'alice@example.com'], env, io, piped('correct horse battery staple\n'))).toBe(0);
    const file = join(dir, 'users.json');
    expect(io.stdout).toContain(`Added alice in ${file}`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const [alice] = await readUsersFile(file);
    expect(alice).toMatchObject({ username: 'alice', name: 'Alice Liddell', email: 'alice@example.com' });
    // scrypt at the default cost (computed off the event loop), not bcrypt.
    expect(alice!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    // The trailing newline of `echo` is not part of the password.
    expect(await checkPassword('correct horse battery staple', alice!.passwordHash)).toBe(true);

    const list = capture();
    expect(await runUsers(['list'], env, list)).toBe(0);
    expect(list.stdout).toContain('alice  Alice Liddell <alice@example.com>');
    expect(list.stdout).not.toContain('$2');
    expect(list.stdout).not.toContain('scrypt$');

    const removed = capture();
    expect(await runUsers(['remove', 'alice'], env, removed)).toBe(0);
    expect(await readUsersFile(file)).toEqual([]);
    const again = capture();
    expect(await runUsers(['remove', 'alice'], env, again)).toBe(1);
    expect(again.stderr).toContain('no user "alice"');
  });

  it('asks twice on a terminal, without echo, and refuses two different answers', async () => {
    const typed = terminal('tr0ub4dor&3 long', 'tr0ub4dor&3 long');
    expect(await runUsers(['add', 'bob'], env, capture(), typed)).toBe(0);
    expect(typed.questions).toEqual(['Password for bob: ', 'Repeat it: ']);
    await expect(runUsers(['add', 'carol'], env, capture(), terminal('first password', 'second password'))).rejects.toThrow(/differ/);
    expect((await readUsersFile(join(dir, 'users.json'))).map((u) => u.username)).toEqual(['bob']);
  });

  it('will not overwrite a user unless told to --replace', async () => {
    await expect(runUsers(['add', 'bob', '--password-stdin'], env, capture(), piped('another password'))).rejects.toThrow(/already exists.*--replace/);
    const io = capture();
    expect(await runUsers(['add', 'bob', '--password-stdin', '--replace'], env, io, piped('another password'))).toBe(0);
    expect(io.stdout).toContain('Updated bob');
    const [bob] = await readUsersFile(join(dir, 'users.json'));
    expect(await checkPassword('another password', bob!.passwordHash)).toBe(true);
  });

  it('refuses bad usernames, short passwords and a missing terminal, as usage errors (exit 2)', async () => {
    const cases: [string[], PasswordInput, RegExp][] = [
      [['add', 'al ice', '--password-stdin'], piped('long enough password'), /no spaces/],
      [['add', 'dave', '--password-stdin'], piped('short'), /at least 8/],
      [['add', 'dave'], piped('long enough password'), /no terminal.*--password-stdin/],
      [['add', 'dave', '--password-stdin', '--email', 'not-an-email'], piped('long enough password'), /not an email/],
      [['frobnicate'], piped(''), /unknown command/],
      [[], piped(''), /add, remove or list/],
    ];
    for (const [argv, input, message] of cases) {
      await expect(runUsers(argv, env, capture(), input), argv.join(' ')).rejects.toThrow(message);
    }
  });

  it('honours GATEHOUSE_USERS_FILE and --file', async () => {
    const elsewhere = join(dir, 'other', 'people.json');
    expect(await runUsers(['add', 'erin', '--password-stdin'], { ...env, GATEHOUSE_USERS_FILE: elsewhere }, capture(), piped('long enough password'))).toBe(0);
    expect((await readUsersFile(elsewhere)).map((u) => u.username)).toEqual(['erin']);
    const io = capture();
    expect(await runUsers(['list', '--file', elsewhere], {}, io)).toBe(0);
    expect(io.stdout).toContain('erin');
  });

  it('is a command of the gatehouse CLI, with help and examples', async () => {
    const io = capture();
    expect(await runCli(['users', '--help'], env, io)).toBe(0);
    expect(io.stdout).toContain('Usage: gatehouse users');
    expect(io.stdout).toContain('Examples:');
    expect(io.stdout).toContain('--password-stdin');
    const top = capture();
    expect(await runCli(['--help'], env, top)).toBe(0);
    expect(top.stdout).toContain('users');
    const bad = capture();
    expect(await runCli(['users', 'add'], env, bad)).toBe(2);
    expect(bad.stderr).toContain('needs exactly one username');
  });

  it('reads the password piped into the real executable', async () => {
    const stateDir = join(dir, 'spawned');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'users', 'add', 'frank', '--password-stdin'], {
      cwd: root,
      env: { PATH: process.env.PATH, NO_COLOR: '1', GATEHOUSE_STATE_DIR: stateDir },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stdin.end('piped password 123\n');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('Added frank');
    const saved = JSON.parse(await readFile(join(stateDir, 'users.json'), 'utf8')) as { users: { passwordHash: string }[] };
    expect(await checkPassword('piped password 123', saved.users[0]!.passwordHash)).toBe(true);
  });
});
