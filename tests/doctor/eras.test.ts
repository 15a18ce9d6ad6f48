import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/cli/doctor.js';
import { diagnose, renderReport, type DoctorReport } from '../../src/doctor/index.js';
import { createGatehouse } from '../../src/gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import type { Gatehouse } from '../../src/types.js';
import { signInForTokens, startDemo, tempStateDir } from '../e2e/authority-harness.js';
import { startMcpApp, type McpApp } from '../helpers/mcp-app.js';

/**
 * `gatehouse doctor` and the protocol eras: `gatehouse demo` (its MCP server
 * on the SDK v2, `createMcpHandler`: 2026-07-28 and the 2025 fallback) and
 * an SDK v1 server behind the Express adapter (2025 only). Without a token
 * both look alike (every request, `server/discover` included, gets the 401
 * challenge, as it should); with one, the eras line tells them apart and the
 * SDK v2 (2026) profile fails on the v1 server only.
 */

let demo: Awaited<ReturnType<typeof startDemo>>;
const state = tempStateDir();
let v1: McpApp;
let issuer: TestIssuer;
let gate: Gatehouse;

beforeAll(async () => {
  demo = await startDemo(state.path);
  v1 = await startMcpApp({ sdk: 'v1', framework: 'express' });
  issuer = await startTestIssuer({ audience: v1.mcpUrl });
  gate = createGatehouse({ issuer: issuer.issuer, publicUrl: v1.origin, scopes: { required: ['mcp'] } });
  await gate.ready();
  v1.use(gate);
});

afterAll(async () => {
  gate?.close();
  await v1?.close();
  await issuer?.close();
  await demo?.close();
  state.remove();
});

const demoToken = async () => String((await signInForTokens(demo.origin, { login: 'alice', scope: 'mcp' })).access_token);
const erasLine = (report: DoctorReport) => renderReport(report, { registerAttempted: false }).split('\n').find((line) => line.startsWith('Eras'));
const cell = (report: DoctorReport, id: string) => report.profiles.find((p) => p.id === id)?.cells.era;
// The test issuer in front of the v1 server is no full authorization server (no registration, no CORS): only the steps about eras count here.
const problems = (report: DoctorReport) => report.findings.filter((f) => f.severity !== 'info' && (f.step === 'challenge' || f.step === 'era')).map((f) => `${f.id} [${f.clients.join(',')}]`);

describe('gatehouse doctor: which eras a server speaks', () => {
  it('has the SDK v2 (2026) client profile, registering as a native app', async () => {
    const report = await diagnose(demo.mcpUrl, { timeoutMs: 10_000, register: true });
    const v2 = report.profiles.find((p) => p.id === 'sdk-v2');
    expect(v2).toMatchObject({ name: 'MCP SDK v2 (2026)', registration: { method: 'dcr', attempt: { accepted: true } } });
    expect(v2?.registration.redirectUris).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/callback$/)]);
  });

  it('without a token, sees server/discover challenged like initialize on both, and says the eras need a token', async () => {
    for (const url of [demo.mcpUrl, v1.mcpUrl]) {
      const report = await diagnose(url, { timeoutMs: 10_000 });
      expect([url, problems(report)]).toEqual([url, []]);
      expect(report.eras).toEqual({ modern: 'unknown', legacy: 'unknown', unknownBecause: expect.stringContaining('--token') });
      expect(cell(report, 'sdk-v2')).toBe('skip');
      expect(erasLine(report)).toBe('Eras  not observed: without a token every request gets the 401 challenge (pass --token <access token> to see them)');
    }
  });

  it('with a token on gatehouse demo: both eras, every client passes', async () => {
    const report = await diagnose(demo.mcpUrl, { timeoutMs: 10_000, token: await demoToken() });
    expect(report.eras).toMatchObject({ modern: true, legacy: true, supportedVersions: expect.arrayContaining(['2026-07-28']) });
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    for (const profile of report.profiles) expect([profile.id, profile.cells.era]).toEqual([profile.id, 'pass']);
    expect(erasLine(report)).toMatch(/^Eras {2}modern 2026-07-28: yes \(server\/discover offers [^)]*2026-07-28[^)]*\); legacy 2025: yes \(initialize answers\)$/);
  });

  it('with a token on an SDK v1 server: legacy only, and the SDK v2 (2026) profile fails with the pinned client\'s own words', async () => {
    const report = await diagnose(v1.mcpUrl, { timeoutMs: 10_000, token: await issuer.mint({ sub: 'vic', scope: 'mcp' }) });
    expect(report.eras).toMatchObject({ modern: false, legacy: true });
    expect(problems(report)).toEqual(['era-modern-missing [sdk-v2]']);
    const missing = report.findings.find((f) => f.id === 'era-modern-missing');
    expect(missing?.message).toContain('the server did not offer pinned protocol version 2026-07-28 via server/discover');
    expect(missing?.fix).toContain('@modelcontextprotocol/server');
    expect([cell(report, 'sdk-v2'), cell(report, 'sdk'), cell(report, 'vscode')]).toEqual(['fail', 'pass', 'pass']);
    expect(erasLine(report)).toBe('Eras  modern 2026-07-28: no (server/discover answered 400); legacy 2025: yes (initialize answers)');
  });

  it('with a token the server refuses: the eras stay unknown, a note says why, nothing fails', async () => {
    const report = await diagnose(v1.mcpUrl, { timeoutMs: 10_000, token: 'not-a-token-this-server-accepts' });
    expect(report.eras).toMatchObject({ modern: 'unknown', legacy: 'unknown', unknownBecause: expect.stringContaining('refused') });
    expect(problems(report)).toEqual([]);
    expect(report.findings.map((f) => f.id)).toContain('era-token-refused');
  });

  it('gatehouse doctor --token prints the eras line, never the token, and exits 1 when the SDK v2 profile fails', async () => {
    const token = await issuer.mint({ sub: 'vic', scope: 'mcp' });
    const out: string[] = [];
    const code = await runDoctor([v1.mcpUrl, '--token', token], {}, { out: (t) => void out.push(t), err: (t) => void out.push(t) });
    const printed = out.join('\n');
    expect(code).toBe(1);
    expect(printed).toMatch(/^Eras {2}modern 2026-07-28: no/m);
    expect(printed).toMatch(/^MCP SDK v2 \(2026\)\s.*\sfail$/m);
    expect(printed).toMatch(/^MCP SDK\s.*\spass$/m);
    expect(printed).not.toContain(token);
    const json: string[] = [];
    expect(await runDoctor([demo.mcpUrl, '--json', '--token', await demoToken()], {}, { out: (t) => void json.push(t), err: () => undefined })).toBe(0);
    expect((JSON.parse(json.join('')) as DoctorReport).eras).toMatchObject({ modern: true, legacy: true });
  });
});
