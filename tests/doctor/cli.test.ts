import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/doctor/index.js';
import { REGISTRATION_SECRETS, startBrokenServer, type BrokenServer } from './broken-servers.js';

/** `gatehouse doctor` as a user runs it: a real process, its stdout and its exit code. */

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function gatehouse(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let healthy: BrokenServer;
let broken: BrokenServer;
let closedPort: number;

beforeAll(async () => {
  [healthy, broken] = await Promise.all([startBrokenServer('none'), startBrokenServer('no-pkce')]);
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  await Promise.all([healthy?.close(), broken?.close()]);
});

describe('gatehouse doctor <url> --json', () => {
  it('prints the report in its stable schema and exits 0 when no client fails; registration answers never reach the output', async () => {
    const run = await gatehouse(['doctor', healthy.url, '--json', '--register']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as DoctorReport;
    expect(Object.keys(report)).toEqual(['url', 'profiles', 'steps', 'findings', 'summary', 'eras']);
    expect(report.url).toBe(healthy.url);
    expect(report.profiles.map((p) => p.id)).toEqual(['sdk', 'sdk-v2', 'inspector', 'mcp-remote', 'claude', 'claude-code', 'vscode', 'cursor']);
    expect(report.steps.map((s) => s.id)).toEqual(['challenge', 'prm', 'as-metadata', 'pkce', 'registration', 'cors', 'era']);
    for (const finding of report.findings) expect(Object.keys(finding).sort()).toEqual(['clients', 'fix', 'id', 'message', 'severity', 'step']);
    expect(report.summary.fail).toBe(0);
    expect(healthy.requests).toContain('POST /register');
    expect(run.stdout).not.toContain(REGISTRATION_SECRETS.clientSecret);
    expect(run.stdout).not.toContain(REGISTRATION_SECRETS.registrationAccessToken);
    expect(run.stdout).not.toMatch(/"client_id"/);
  });

  it('exits 1 when a client fails, naming the finding and its fix', async () => {
    const run = await gatehouse(['doctor', broken.url, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DoctorReport;
    expect(report.findings.find((f) => f.id === 'pkce-missing')).toMatchObject({ severity: 'fail', fix: expect.stringContaining('code_challenge_methods_supported: ["S256"]') });
  });
});

describe('gatehouse doctor <url>', () => {
  it('prints the table and the findings without colour under NO_COLOR', async () => {
    const run = await gatehouse(['doctor', broken.url]);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('\x1b[');
    expect(run.stdout).toMatch(/^Client\s+Challenge\s+PRM\s+AS metadata\s+PKCE\s+Registration\s+CORS\s+Era$/m);
    expect(run.stdout).toMatch(/^MCP SDK\s+pass\s+pass\s+pass\s+fail\s+pass\s+n\/a\s+skip$/m);
    expect(run.stdout).toMatch(/^Eras {2}not observed: without a token/m);
    expect(run.stdout).toContain('FAIL  pkce-missing');
    expect(run.stdout).toContain('fix: Add code_challenge_methods_supported: ["S256"] to the AS metadata (or run Gatehouse in front with OAUTH_MIRROR_METADATA=true)');
  });

  it('turns a refused connection into a finding, not a stack trace', async () => {
    const run = await gatehouse(['doctor', `http://127.0.0.1:${closedPort}/mcp`, '--timeout', '5s']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL  unreachable');
    expect(run.stdout).toContain('connection refused (ECONNREFUSED)');
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  });

  it('shows its help with examples, and refuses bad usage with exit code 2', async () => {
    const help = await gatehouse(['doctor', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: gatehouse doctor <url>');
    expect(help.stdout).toContain('Examples:');
    const [noUrl, badUrl, badTimeout] = await Promise.all([
      gatehouse(['doctor']),
      gatehouse(['doctor', 'mcp.example.com/mcp']),
      gatehouse(['doctor', healthy.url, '--timeout', 'soon']),
    ]);
    expect([noUrl.code, badUrl.code, badTimeout.code]).toEqual([2, 2, 2]);
    expect(badUrl.stderr).toContain('is not an http(s) URL');
    expect(badTimeout.stderr).toContain('--timeout="soon"');
  });
});
