/**
 * Audit events and Prometheus metrics of the authority demo over real HTTP:
 * the SDK client signs in, calls a tool, refreshes and revokes; each step
 * is an audit event (log record and `onAudit`) naming who, and none carries
 * a token, code or secret; the metrics listener, on its own loopback port,
 * counts the same steps under `gatehouse_` names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthorityDemo, type AuthorityDemo } from '../../src/cli/demo-authority.js';
import { DEMO_DEFAULTS } from '../../src/cli/demo.js';
import { mergeConfig } from '../../src/config/merge.js';
import { createLogger } from '../../src/log/logger.js';
import type { AuditEvent } from '../../src/telemetry/types.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJson, signInWithSdk, tempStateDir } from './authority-harness.js';

/** The value of one sample of the exposition text, e.g. `gatehouse_registrations_total`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('audit events and metrics of the authority', () => {
  const state = tempStateDir();
  const logs: string[] = [];
  const audited: AuditEvent[] = [];
  let demo: AuthorityDemo;
  let origin: string;
  let metricsUrl: string;
  const provider = new InMemoryOAuthProvider();
  const secrets: string[] = [];

  beforeAll(async () => {
    const io = { out: () => {}, err: () => {} };
    const logger = createLogger({ write: (line) => void logs.push(line), level: 'info' });
    demo = await startAuthorityDemo(mergeConfig(DEMO_DEFAULTS, { authority: { stateDir: state.path } }), 'localhost', 0, io, {
      logger,
      metrics: { host: '127.0.0.1', port: 0 },
      onAudit: (event) => void audited.push(event),
    });
    origin = new URL(demo.mcpUrl).origin;
    metricsUrl = `http://127.0.0.1:${demo.observability.listening!.port}/metrics`;

    const client = await signInWithSdk(demo.mcpUrl, provider, 'ada');
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'ada' });
    await client.close();
    const info = provider.clientInformation()!;
    const first = provider.savedTokens.at(-1)!;
    const refreshed = await fetch(`${origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refresh_token!, client_id: info.client_id }),
    });
    expect(refreshed.status).toBe(200);
    const tokens = (await refreshed.json()) as { access_token: string; refresh_token: string };
    const revoked = await fetch(`${origin}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refresh_token, token_type_hint: 'refresh_token', client_id: info.client_id }),
    });
    expect(revoked.status).toBe(200);
    // A forged token: refused by the gate with its reason.
    const forged = await fetch(demo.mcpUrl, { method: 'POST', headers: { authorization: 'Bearer not-a-jwt', 'content-type': 'application/json' }, body: '{}' });
    expect(forged.status).toBe(401);
    secrets.push(...provider.savedTokens.flatMap((t) => [t.access_token, t.refresh_token ?? '']), tokens.access_token, tokens.refresh_token, 'not-a-jwt');
    if ('client_secret' in info && typeof info.client_secret === 'string') secrets.push(info.client_secret);
  });

  afterAll(async () => {
    await demo?.close();
    state.remove();
  });

  const auditRecords = () => logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((r) => r.msg === 'audit');

  it('records each step as an audit event naming the client, subject, scopes, request id and address', () => {
    const clientId = provider.clientInformation()!.client_id;
    const names = audited.map((e) => e.event);
    for (const name of ['client.registered', 'signin.succeeded', 'consent.granted', 'token.issued', 'token.refreshed', 'token.revoked', 'request.refused'] as const) {
      expect(names, name).toContain(name);
    }
    expect(audited.find((e) => e.event === 'client.registered')).toMatchObject({ clientId, address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/) });
    expect(audited.find((e) => e.event === 'signin.succeeded')).toMatchObject({ subject: 'ada', clientId, requestId: expect.any(String) });
    expect(audited.find((e) => e.event === 'token.issued')).toMatchObject({
      subject: 'ada',
      clientId,
      grant: 'authorization_code',
      scopes: expect.arrayContaining(['mcp:tools']),
      resource: demo.mcpUrl,
      requestId: expect.any(String),
    });
    expect(audited.find((e) => e.event === 'token.refreshed')).toMatchObject({ subject: 'ada', clientId, grant: 'refresh_token' });
    expect(audited.find((e) => e.event === 'token.revoked')).toMatchObject({ subject: 'ada', clientId });
    expect(audited.filter((e) => e.event === 'request.refused').map((e) => e.reason)).toEqual(expect.arrayContaining(['ERR_TOKEN_MISSING', 'ERR_JWT_MALFORMED']));
  });

  it('writes the same events as JSON log records with an event field', () => {
    const records = auditRecords();
    expect(records.map((r) => r.event)).toEqual(audited.map((e) => e.event));
    expect(records.find((r) => r.event === 'token.issued')).toMatchObject({ level: 'info', subject: 'ada', grant: 'authorization_code' });
  });

  it('never carries a token, code or secret, in the events or anywhere in the logs', () => {
    const everything = [JSON.stringify(audited), ...logs].join('\n');
    expect(secrets.filter(Boolean).length).toBeGreaterThan(3);
    for (const secret of secrets.filter(Boolean)) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/[?&]code=/);
    for (const event of audited) expect(Object.keys(event).filter((key) => /token|code|secret|password/i.test(key))).toEqual([]);
  });

  it('exposes the counts on its own listener, gatehouse_ names only, and nothing of them on the public port', async () => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const names = new Set(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/[{ ]/)[0]!));
    expect([...names].filter((name) => !name.startsWith('gatehouse_'))).toEqual([]);
    expect(sample(text, 'gatehouse_registrations_total')).toBe(1);
    expect(sample(text, 'gatehouse_signins_total', { outcome: 'succeeded' })).toBe(1);
    expect(sample(text, 'gatehouse_tokens_total', { event: 'issued', grant: 'authorization_code' })).toBe(1);
    expect(sample(text, 'gatehouse_tokens_total', { event: 'refreshed', grant: 'refresh_token' })).toBe(1);
    expect(sample(text, 'gatehouse_tokens_total', { event: 'revoked' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gatehouse_requests_total', { route: 'mcp', decision: 'allowed', status: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gatehouse_requests_total', { route: 'mcp', decision: 'challenged', status: '4xx' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'gatehouse_gate_refusals_total', { code: 'ERR_JWT_MALFORMED', status: '401' })).toBe(1);
    expect(sample(text, 'gatehouse_verification_duration_seconds_count', { outcome: 'allowed' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gatehouse_verification_cache_misses_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gatehouse_store_operations_total', { model: 'Client', op: 'upsert', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gatehouse_process_resident_memory_bytes')).toBeGreaterThan(0);

    expect((await fetch(`${origin}/metrics`)).status).toBe(404);
    expect((await fetch(metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
  });
});
