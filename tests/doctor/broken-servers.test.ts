import { afterAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../src/doctor/index.js';
import type { DoctorReport, ProfileId, Severity, StepId } from '../../src/doctor/index.js';
import { startBrokenServer, type BrokenServer, type Defect } from './broken-servers.js';

/**
 * Each purpose-built server has exactly one defect; the doctor must name it
 * (the right finding id, at the right severity, for the clients it hurts)
 * and find nothing else wrong: every other step passes for every client.
 */

interface Expected {
  id: string;
  severity: Severity;
  /** Exactly these clients, when given. */
  clients?: ProfileId[];
}

interface Case {
  defect: Defect;
  expected: Expected[];
  /** The only step whose cells may be anything but pass (or n/a). */
  step: StepId;
}

const ALL: ProfileId[] = ['sdk', 'sdk-v2', 'inspector', 'mcp-remote', 'claude', 'claude-code', 'vscode', 'cursor'];

/** What a cell of a healthy step holds: CORS is for browser clients; the eras are not observed without a token. */
const healthyCell = (step: StepId, profile: ProfileId) => (step === 'cors' && profile !== 'inspector' ? 'n/a' : step === 'era' ? 'skip' : 'pass');

const CASES: Case[] = [
  { defect: 'status-500', step: 'challenge', expected: [{ id: 'challenge-status', severity: 'fail', clients: ALL }] },
  { defect: 'no-resource-metadata', step: 'challenge', expected: [{ id: 'challenge-resource-metadata', severity: 'fail', clients: ALL }] },
  { defect: 'prm-only-root', step: 'prm', expected: [{ id: 'prm-path-inserted', severity: 'fail', clients: ['claude'] }] },
  { defect: 'prm-only-path-inserted', step: 'prm', expected: [{ id: 'prm-root', severity: 'fail', clients: ['claude'] }] },
  { defect: 'prm-resource-mismatch', step: 'prm', expected: [{ id: 'prm-resource-mismatch', severity: 'fail', clients: ALL }] },
  { defect: 'prm-resource-origin', step: 'prm', expected: [{ id: 'prm-resource-not-exact', severity: 'fail', clients: ['vscode'] }] },
  { defect: 'basic-challenge-first', step: 'challenge', expected: [{ id: 'challenge-not-first', severity: 'warn', clients: ALL }] },
  { defect: 'offline-access-prm', step: 'prm', expected: [{ id: 'prm-offline-access', severity: 'warn', clients: ALL }] },
  { defect: 'issuer-mismatch', step: 'as-metadata', expected: [{ id: 'as-issuer-mismatch', severity: 'fail', clients: ALL }] },
  { defect: 'path-issuer', step: 'as-metadata', expected: [{ id: 'claude-path-issuer', severity: 'warn', clients: ['claude'] }] },
  { defect: 'no-pkce', step: 'pkce', expected: [{ id: 'pkce-missing', severity: 'fail', clients: ALL }] },
  { defect: 'discover-unchallenged', step: 'challenge', expected: [{ id: 'discover-challenge-status', severity: 'fail', clients: ['sdk-v2'] }] },
  {
    defect: 'no-cors',
    step: 'cors',
    expected: [
      { id: 'cors-documents', severity: 'fail', clients: ['inspector'] },
      { id: 'cors-not-found', severity: 'warn', clients: ['inspector'] },
      { id: 'cors-preflight', severity: 'fail', clients: ['inspector'] },
      { id: 'cors-challenge', severity: 'fail', clients: ['inspector'] },
      { id: 'cors-documents-preflight', severity: 'warn', clients: ['inspector'] },
      { id: 'cors-registration', severity: 'fail', clients: ['inspector'] },
      { id: 'cors-token', severity: 'fail', clients: ['inspector'] },
    ],
  },
  { defect: 'no-cors-on-404', step: 'cors', expected: [{ id: 'cors-not-found', severity: 'warn', clients: ['inspector'] }] },
  { defect: 'only-openid-configuration', step: 'as-metadata', expected: [{ id: 'as-metadata-rfc8414', severity: 'fail', clients: ['claude-code'] }] },
  { defect: 'no-openid-configuration', step: 'as-metadata', expected: [{ id: 'as-metadata-openid', severity: 'warn', clients: ALL }] },
  {
    defect: 'no-registration',
    step: 'registration',
    expected: [
      { id: 'registration-unavailable', severity: 'fail', clients: ['sdk', 'sdk-v2', 'inspector', 'mcp-remote', 'claude', 'claude-code', 'cursor'] },
      { id: 'registration-manual', severity: 'warn', clients: ['vscode'] },
    ],
  },
];

const servers: BrokenServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function diagnoseServer(defect: Defect, register = false): Promise<{ report: DoctorReport; server: BrokenServer }> {
  const server = await startBrokenServer(defect);
  servers.push(server);
  return { report: await diagnose(server.url, { timeoutMs: 5000, register }), server };
}

const problems = (report: DoctorReport) => report.findings.filter((f) => f.severity !== 'info');

describe('the doctor on a correct server', () => {
  it('finds nothing wrong for any client', async () => {
    const { report } = await diagnoseServer('none');
    expect(problems(report)).toEqual([]);
    for (const profile of report.profiles) {
      for (const step of report.steps) expect([profile.id, step.id, profile.cells[step.id]]).toEqual([profile.id, step.id, healthyCell(step.id, profile.id)]);
    }
    // Loopback is out of claude.ai's reach: worth a note, not a warning.
    expect(report.findings.map((f) => f.id)).toEqual(['claude-loopback']);
    expect(report.summary).toEqual({ fail: 0, warn: 0, info: 1 });
  });

  it('says how each client would register, without registering', async () => {
    const { report, server } = await diagnoseServer('none');
    const plan = (id: ProfileId) => report.profiles.find((p) => p.id === id)!.registration;
    expect(plan('claude')).toMatchObject({ method: 'cimd', clientId: 'https://claude.ai/oauth/mcp-oauth-client-metadata', redirectUris: ['https://claude.ai/api/mcp/auth_callback'] });
    expect(plan('claude-code')).toMatchObject({ method: 'cimd', redirectUris: ['http://localhost/callback'] });
    expect(plan('vscode')).toMatchObject({ method: 'dcr', redirectUris: expect.arrayContaining(['https://vscode.dev/redirect', 'http://127.0.0.1:33418/']) });
    expect(plan('cursor')).toMatchObject({ method: 'dcr', redirectUris: ['cursor://anysphere.cursor-mcp/oauth/callback'] });
    expect(plan('inspector').redirectUris).toEqual(['http://localhost:6274/oauth/callback', 'http://localhost:6274/oauth/callback/debug']);
    for (const profile of report.profiles) expect(profile.registration.attempt).toBeUndefined();
    expect(server.requests).not.toContain('POST /register');
  });
});

describe.each(CASES)('the doctor on a server with one defect: $defect', ({ defect, expected, step }) => {
  it(`reports ${expected.map((e) => e.id).join(', ')} and nothing else`, async () => {
    const { report } = await diagnoseServer(defect);
    for (const want of expected) {
      const found = report.findings.find((f) => f.id === want.id);
      expect(found, `${want.id} in ${JSON.stringify(report.findings.map((f) => f.id))}`).toBeDefined();
      expect(found!.severity).toBe(want.severity);
      if (want.clients) expect([...found!.clients].sort()).toEqual([...want.clients].sort());
      expect(found!.fix.length).toBeGreaterThan(0);
      expect(found!.fix).not.toContain('\n');
      if (want.severity === 'fail') {
        for (const id of found!.clients) expect(report.profiles.find((p) => p.id === id)!.cells[step]).toBe('fail');
      }
    }
    expect(problems(report).map((f) => f.id).sort()).toEqual(expected.map((e) => e.id).sort());
    // A client that fails a step may not reach the later ones (`skip`); every other cell passes.
    const stopped = new Set(report.findings.filter((f) => f.severity === 'fail').flatMap((f) => f.clients));
    const at = report.steps.findIndex((s) => s.id === step);
    for (const profile of report.profiles) {
      report.steps.forEach((other, index) => {
        if (other.id === step) return;
        const expectedCell = healthyCell(other.id, profile.id);
        const cell = profile.cells[other.id] === 'skip' && stopped.has(profile.id) && index > at && other.id !== 'cors' && other.id !== 'era' ? 'pass' : profile.cells[other.id];
        expect([profile.id, other.id, cell]).toEqual([profile.id, other.id, expectedCell]);
      });
    }
    expect(report.summary.fail).toBe(expected.filter((e) => e.severity === 'fail').length);
  });
});

describe('the doctor on resource_parameter_supported (RFC 8707)', () => {
  // Absent (the correct server above has no such field) it is no finding at all; an explicit false is a note, never a failure.
  it('notes an explicit false as a hint and fails nothing for it', async () => {
    const { report } = await diagnoseServer('resource-parameter-unsupported');
    expect(problems(report)).toEqual([]);
    const hint = report.findings.find((f) => f.id === 'resource-parameter');
    expect(hint).toMatchObject({ severity: 'info', clients: ALL });
    expect(hint!.message).toContain('resource_parameter_supported: false');
    expect(report.summary).toEqual({ fail: 0, warn: 0, info: 2 });
  });
});

describe('the doctor with --register', () => {
  it('registers one client per DCR profile and reports each accepted', async () => {
    const { report, server } = await diagnoseServer('none', true);
    const dcr = report.profiles.filter((p) => p.registration.method === 'dcr');
    expect(dcr.map((p) => p.id).sort()).toEqual(['cursor', 'inspector', 'mcp-remote', 'sdk', 'sdk-v2', 'vscode']);
    for (const profile of dcr) expect(profile.registration.attempt).toEqual({ accepted: true, status: 201 });
    expect(server.requests.filter((r) => r === 'POST /register')).toHaveLength(dcr.length);
    expect(problems(report)).toEqual([]);
  });

  it('names the client whose redirect URIs the authorization server refuses', async () => {
    const { report } = await diagnoseServer('refuses-custom-schemes', true);
    const refused = report.findings.filter((f) => f.id === 'dcr-refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ severity: 'fail', clients: ['cursor'] });
    expect(refused[0]!.message).toContain('invalid_redirect_uri: only http and https redirect URIs');
    expect(report.profiles.find((p) => p.id === 'cursor')!.cells.registration).toBe('fail');
    expect(report.profiles.find((p) => p.id === 'vscode')!.registration.attempt).toEqual({ accepted: true, status: 201 });
  });
});
