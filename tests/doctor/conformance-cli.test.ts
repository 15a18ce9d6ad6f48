import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConformanceReport } from '../../src/doctor/index.js';
import { GOOD_TOKEN } from './broken-server-parts.js';
import { startBrokenServer, type BrokenServer } from './broken-servers.js';

/** `gatehouse doctor --conformance` as a user runs it: a real process, its output and its exit code. */

const root = fileURLToPath(new URL('../../', import.meta.url));

function gatehouse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'doctor', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

let healthy: BrokenServer;
let broken: BrokenServer;

beforeAll(async () => {
  [healthy, broken] = await Promise.all([startBrokenServer('none'), startBrokenServer('verifier-500')]);
});

afterAll(async () => {
  await Promise.all([healthy?.close(), broken?.close()]);
});

describe('gatehouse doctor --conformance', () => {
  it('prints the table grouped by source with the counts, and exits 0 when no MUST fails', async () => {
    const run = await gatehouse(['--conformance', '--token', GOOD_TOKEN, healthy.url]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('RFC 9728 Protected Resource Metadata');
    expect(run.stdout).toMatch(/Every MUST that could be observed passes\. MUST (\d+)\/\1, SHOULD \d+\/\d+, \d+ not observable/);
    expect(run.stdout).toContain('Eras: 2026-07-28 (modern) yes');
    expect(run.stdout + run.stderr).not.toContain(GOOD_TOKEN);
  });

  it('exits 1 on a MUST failure and shows its evidence and fix', async () => {
    const run = await gatehouse(['--conformance', broken.url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+MUST\s+mcp-2026-07-28\/invalid-token-401/);
    expect(run.stdout).toContain('→ 500');
    expect(run.stdout).toContain('fix: Answer every token that fails verification with 401');
  });

  it('--json has every requirement with id, level, status and evidence', async () => {
    const run = await gatehouse(['--conformance', '--json', '--spec', '2025-06-18', healthy.url]);
    const report = JSON.parse(run.stdout) as ConformanceReport;
    expect(report.spec).toBe('2025-06-18');
    expect(report.results.some((r) => r.id === 'mcp-2025-06-18/www-authenticate-resource-metadata' && r.status === 'pass')).toBe(true);
    expect(report.results.some((r) => r.source === 'mcp-2026-07-28')).toBe(false);
    for (const r of report.results) expect(Object.keys(r)).toEqual(expect.arrayContaining(['id', 'level', 'status', 'evidence', 'sentence', 'link']));
  });

  it('--junit prints one test suite per source and a failure per unmet requirement', async () => {
    const run = await gatehouse(['--conformance', '--junit', broken.url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(run.stdout).toContain('<testsuite name="RFC 6750 Bearer Token Usage"');
    expect(run.stdout).toMatch(/<testcase classname="mcp-2026-07-28" name="MUST mcp-2026-07-28\/invalid-token-401"><failure type="MUST"/);
    expect(run.stdout).toMatch(/<skipped message="/);
  });

  it('refuses bad usage with exit code 2', async () => {
    expect((await gatehouse(['--conformance', '--spec', '2024-01-01', healthy.url])).code).toBe(2);
    expect((await gatehouse(['--spec', '2025-11-25', healthy.url])).code).toBe(2);
    expect((await gatehouse(['--conformance', '--json', '--junit', healthy.url])).code).toBe(2);
  });
});
