/**
 * A rotation done while the authority runs (`gatehouse keys rotate` in
 * another process, here `rotateKeys` on the same state directory), against
 * the real authority (oidc-provider in process) over real HTTP: the new key
 * signs without a restart, the replaced one is published and accepted until
 * its retention has run out and then neither, and a key file that breaks
 * keeps the authority serving with the keys it has. The key clock is the
 * test's, so "after the retention" takes no waiting.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthority, type Authority } from '../create-authority.js';
import { KEY_REFRESH_SEC } from './state.js';
import { rotateKeys } from './load.js';

const ROBOT = { client_id: 'robot', client_secret: 'robot-secret-for-tests-only-0123456789', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp:tools' };
const RETAIN_SEC = 600;

let stateDir: string;
let server: Server;
let authority: Authority;
let origin: string;
let clock: number;
let warnings: string[];

beforeEach(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-live-keys-'));
  clock = Date.now();
  warnings = [];
  server = createServer((req, res) => void authority.handler(req, res, () => res.writeHead(200, { 'content-type': 'text/plain' }).end('through the gate')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  authority = await createAuthority(
    { publicUrl: origin, authority: { stateDir, signingAlgorithms: ['ES256'], clients: [ROBOT] } },
    { warn: (line) => warnings.push(line), keyRefresh: { intervalMs: 50, now: () => clock } },
  );
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await authority.close();
  rmSync(stateDir, { recursive: true, force: true });
});

async function machineToken(): Promise<string> {
  const res = await fetch(`${origin}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${ROBOT.client_id}:${ROBOT.client_secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  const body = (await res.json()) as { access_token?: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.access_token!;
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

async function publishedKids(): Promise<string[]> {
  const metadata = (await (await fetch(`${origin}/.well-known/oauth-authorization-server`)).json()) as { jwks_uri: string };
  const jwks = (await (await fetch(metadata.jwks_uri)).json()) as { keys: { kid: string; d?: string }[] };
  expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
  return jwks.keys.map((key) => key.kid);
}

/** The gate's answer to an MCP request with this token: 200 when it let it through. */
async function gateStatus(token: string): Promise<number> {
  const res = await fetch(`${origin}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  await res.body?.cancel();
  return res.status;
}

/** What `gatehouse keys rotate` does from another process: a new ES256 key, the old one retiring. */
async function rotateInAnotherProcess() {
  return rotateKeys({ stateDir, algorithms: ['ES256'], retainSec: RETAIN_SEC, now: () => clock, warn: () => {} });
}

describe('a rotation while the authority runs', () => {
  it('signs with the new key without a restart, and drops the old key from the JWKS and the gate at its time', async () => {
    const before = await machineToken();
    const oldKid = kidOf(before)!;
    expect(await gateStatus(before)).toBe(200);

    const rotation = await rotateInAnotherProcess();
    const newKid = rotation.added[0]!.kid;
    expect(rotation.retired[0]).toMatchObject({ kid: oldKid, publishedUntil: Math.floor(clock / 1000) + KEY_REFRESH_SEC + RETAIN_SEC });

    // Picked up by the refresh timer: the new key signs, the old one is still published and accepted.
    await vi.waitFor(async () => expect(kidOf(await machineToken())).toBe(newKid), { timeout: 5000, interval: 50 });
    expect(await publishedKids()).toEqual([newKid, oldKid]);
    expect(await gateStatus(before)).toBe(200);

    // Past the retention (the token itself is still unexpired): gone from the JWKS, refused at the gate.
    clock += (KEY_REFRESH_SEC + RETAIN_SEC) * 1000;
    await vi.waitFor(async () => expect(await publishedKids()).toEqual([newKid]), { timeout: 5000, interval: 50 });
    expect(await gateStatus(before)).toBe(401);
    expect(await gateStatus(await machineToken())).toBe(200);
  });

  it('keeps serving with the keys in use when the key file breaks, and warns without key material', async () => {
    const token = await machineToken();
    const kid = kidOf(token)!;
    // Written aside and renamed in, as `gatehouse keys` writes it: a refresh every 50 ms must not read a half-written file.
    writeFileSync(join(stateDir, 'keys.json.tmp'), '{"version":1,"keys":[{"jwk":{"d":"c2VjcmV0LWtleS1tYXRlcmlhbA"', { mode: 0o600 });
    renameSync(join(stateDir, 'keys.json.tmp'), join(stateDir, 'keys.json'));
    await vi.waitFor(() => expect(warnings.join('\n')).toMatch(/re-reading the signing keys failed; the 1 keys in use stay in use.*keys\.json cannot be used: it is not valid JSON/), {
      timeout: 5000,
      interval: 50,
    });
    expect(warnings.join('\n')).not.toContain('c2VjcmV0');
    // The same problem read again is not told again (the warnings so far are quoted if it is).
    const told = warnings.length;
    expect(await authority.keys.refresh()).toBe(false);
    expect(warnings.length, warnings.join('\n')).toBe(told);
    expect(await publishedKids()).toEqual([kid]);
    expect(await gateStatus(token)).toBe(200);
    expect(kidOf(await machineToken())).toBe(kid);
  });
});
