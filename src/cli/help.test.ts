import { describe, expect, it } from 'vitest';
import type { Io } from './io.js';
import { USAGE, runCli } from './run.js';

function capture(): Io & { out_: () => string; err_: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`), out_: () => out, err_: () => err };
}

/** Every command listed in `gatehouse --help`. */
const commands = [...(USAGE.split('Commands:\n')[1] ?? '').split('\n\n')[0]!.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);

describe('--help', () => {
  it('lists the commands', () => {
    expect(commands).toEqual(expect.arrayContaining(['demo', 'users', 'keys', 'config', 'init', 'proxy', 'doctor']));
  });

  it.each(commands)('gatehouse %s --help: usage, options and examples, exit 0, stdout only, no color', async (command) => {
    for (const argv of [[command, '--help'], [command, '-h'], ['help', command]]) {
      const io = capture();
      expect(await runCli(argv, { NO_COLOR: '1' }, io), argv.join(' ')).toBe(0);
      expect(io.out_()).toMatch(new RegExp(`^Usage: gatehouse ${command}\\b`));
      expect(io.out_()).toMatch(/\n {2}-h, --help +Show this help/);
      expect(io.out_()).toMatch(new RegExp(`\\nExamples:\\n(?: {2}.*gatehouse ${command}.*\\n)+`));
      expect(io.out_()).not.toContain('\x1b[');
      expect(io.err_()).toBe('');
    }
  });

  it('gatehouse --help and gatehouse help show the overview', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const io = capture();
      expect(await runCli(argv, { NO_COLOR: '1' }, io)).toBe(0);
      expect(io.out_()).toBe(`${USAGE}\n`);
    }
  });

  it('gatehouse help <unknown> says so, exit 2', async () => {
    const io = capture();
    expect(await runCli(['help', 'bogus'], { NO_COLOR: '1' }, io)).toBe(2);
    expect(io.err_()).toContain('unknown command "bogus"');
    expect(io.out_()).toBe('');
  });
});
