import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose, type DoctorReport } from '../../src/doctor/index.js';
import { startDemo, tempStateDir } from '../e2e/authority-harness.js';

/**
 * `gatehouse demo` (authority mode, zero configuration) as the doctor sees
 * it: every client, every step green.
 */

let demo: Awaited<ReturnType<typeof startDemo>>;
const state = tempStateDir();

beforeAll(async () => {
  demo = await startDemo(state.path);
});

afterAll(async () => {
  await demo?.close();
  state.remove();
});

function expectAllGreen(report: DoctorReport): void {
  for (const profile of report.profiles) {
    for (const step of report.steps) {
      // Without a token the eras are not observed (tests/doctor/eras.test.ts observes them with one).
      const expected = step.id === 'cors' && profile.id !== 'inspector' ? 'n/a' : step.id === 'era' ? 'skip' : 'pass';
      expect([profile.id, step.id, profile.cells[step.id]]).toEqual([profile.id, step.id, expected]);
    }
  }
  expect(report.summary.fail).toBe(0);
  expect(report.summary.warn).toBe(0);
  // The one note: claude.ai runs in Anthropic's cloud and cannot reach a demo on localhost. True, and not the demo's fault.
  expect(report.findings.map((f) => `${f.severity} ${f.id}`)).toEqual(['info claude-loopback']);
}

describe('gatehouse doctor on gatehouse demo', () => {
  it('gets all green', async () => {
    const report = await diagnose(demo.mcpUrl, { timeoutMs: 10_000 });
    expect(report.url).toBe(demo.mcpUrl);
    expectAllGreen(report);
    const plans = Object.fromEntries(report.profiles.map((p) => [p.id, p.registration.method]));
    // The authority offers both: Claude and Claude Code take client metadata documents, the rest DCR.
    expect(plans).toEqual({ sdk: 'dcr', 'sdk-v2': 'dcr', inspector: 'dcr', 'mcp-remote': 'dcr', claude: 'cimd', 'claude-code': 'cimd', vscode: 'dcr', cursor: 'dcr' });
  });

  it('gets all green with --register: the authority accepts every client profile', async () => {
    const report = await diagnose(demo.mcpUrl, { timeoutMs: 10_000, register: true });
    expectAllGreen(report);
    const attempts = report.profiles.filter((p) => p.registration.method === 'dcr').map((p) => [p.id, p.registration.attempt?.accepted]);
    expect(attempts).toEqual([['sdk', true], ['sdk-v2', true], ['inspector', true], ['mcp-remote', true], ['vscode', true], ['cursor', true]]);
  });
});
