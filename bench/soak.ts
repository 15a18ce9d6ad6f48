/**
 * `npm run soak` (or `npm run bench -- soak`): `gatehouse demo` under a
 * steady mixed load for `SOAK_MINUTES` (default 1), at half of the
 * capacity measured first, on loopback only. Not part of CI.
 *
 * The load: MCP `tools/call whoami` requests through autocannon, 80% with
 * valid tokens (a pool from sign-ins and the machine client) and 20% with
 * bad ones (garbage, and JWTs signed by a key the demo never had); and
 * beside it a loop of flows: a sign-in on the demo's dev login page (PKCE,
 * a fresh username each time), a refresh of a held refresh token, and a
 * machine client's `client_credentials` token. It prints throughput,
 * p50/p99, the errors (any answer other than 200 for a valid token and 401
 * for a bad one, any failed flow, any socket error) and the server's RSS
 * after the capacity run and at the end (goal: no errors, RSS growth < 5%).
 *
 * Tunables (env): SOAK_MINUTES (1), SOAK_CONNECTIONS (10),
 * SOAK_CAPACITY_SECONDS (10), SOAK_FLOWS_PER_SECOND (2).
 *
 * The demo runs with its rate limits raised: every request here comes from
 * one address, which the limits would (rightly) slow down.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SignJWT, generateKeyPair } from 'jose';
import { gatehouseProcess } from '../tests/helpers/gatehouse-process.js';
import { authorizationCodeFrom, headlessLogin } from '../tests/helpers/headless-login.js';
import { formatNumber, median, table } from './stats.js';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}="${raw}" must be a positive number`);
  return value;
}

const settings = {
  minutes: numberFromEnv('SOAK_MINUTES', 1),
  connections: Math.round(numberFromEnv('SOAK_CONNECTIONS', 10)),
  capacitySec: Math.round(numberFromEnv('SOAK_CAPACITY_SECONDS', 10)),
  flowsPerSec: numberFromEnv('SOAK_FLOWS_PER_SECOND', 2),
};
const MACHINE = { client_id: 'soak-machine', client_secret: randomBytes(24).toString('base64url') };
const REDIRECT = 'http://127.0.0.1/callback';
const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The server's resident set in MiB (Linux: /proc), or NaN elsewhere. */
function rssMiB(pid: number | undefined): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return Number(line?.match(/(\d+)/)?.[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function form(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields) });
}

/** The flows beside the MCP load, each timed; a flow that does not end as it should is an error. */
function flowsAgainst(origin: string, clientId: string) {
  const timings: Record<'sign-in' | 'refresh' | 'machine token', number[]> = { 'sign-in': [], refresh: [], 'machine token': [] };
  const errors: string[] = [];
  const refreshTokens: string[] = [];
  const accessTokens: string[] = [];
  let users = 0;

  async function timed(kind: keyof typeof timings, run: () => Promise<void>): Promise<void> {
    const started = performance.now();
    try {
      await run();
      timings[kind].push(performance.now() - started);
    } catch (err) {
      errors.push(`${kind}: ${(err as Error).message}`.slice(0, 200));
    }
  }

  const signIn = () =>
    timed('sign-in', async () => {
      const verifier = randomBytes(32).toString('base64url');
      const url = new URL(`${origin}/oauth/authorize`);
      for (const [k, v] of Object.entries({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, scope: 'mcp:tools offline_access', state: 's', prompt: 'consent', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' })) {
        url.searchParams.set(k, v);
      }
      const callback = await headlessLogin(url, { login: `soak-user-${users++}` });
      const answer = await form(`${origin}/oauth/token`, { grant_type: 'authorization_code', code: authorizationCodeFrom(callback), redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier });
      const tokens = (await answer.json()) as { access_token?: string; refresh_token?: string };
      if (answer.status !== 200 || !tokens.access_token) throw new Error(`token answered ${answer.status}`);
      accessTokens.push(tokens.access_token);
      if (tokens.refresh_token) refreshTokens.push(tokens.refresh_token);
    });

  const refresh = () =>
    timed('refresh', async () => {
      const held = refreshTokens.shift();
      if (!held) return;
      const answer = await form(`${origin}/oauth/token`, { grant_type: 'refresh_token', refresh_token: held, client_id: clientId });
      const tokens = (await answer.json()) as { refresh_token?: string };
      if (answer.status !== 200) throw new Error(`refresh answered ${answer.status}`);
      refreshTokens.push(tokens.refresh_token ?? held);
    });

  const machine = () =>
    timed('machine token', async () => {
      const answer = await form(`${origin}/oauth/token`, { grant_type: 'client_credentials', scope: 'mcp:tools' }, { authorization: `Basic ${Buffer.from(`${MACHINE.client_id}:${MACHINE.client_secret}`).toString('base64')}` });
      const tokens = (await answer.json()) as { access_token?: string };
      if (answer.status !== 200 || !tokens.access_token) throw new Error(`client_credentials answered ${answer.status}`);
      accessTokens.push(tokens.access_token);
    });

  return { timings, errors, accessTokens, signIn, refresh, machine };
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-soak-'));
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const demo = gatehouseProcess(port, {
    GATEHOUSE_STATE_DIR: stateDir,
    PUBLIC_URL: origin,
    GATEHOUSE_LOG_LEVEL: 'warn',
    GATEHOUSE_CLIENTS: JSON.stringify([{ ...MACHINE, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp:tools' }]),
    GATEHOUSE_MCP_REFUSAL_BURST: '1000000', GATEHOUSE_MCP_REFUSAL_REFILL: '0.001',
    GATEHOUSE_TOKEN_BURST: '1000000',
    GATEHOUSE_REGISTRATION_BURST: '1000',
    GATEHOUSE_SIGNIN_ADDRESS_BURST: '100000',
    GATEHOUSE_SIGNIN_LIMIT_ADDRESS_BURST: '100000',
  });
  await demo.start();
  try {
    const registered = await fetch(`${origin}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'soak', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' }),
    });
    const { client_id: clientId } = (await registered.json()) as { client_id: string };
    const flows = flowsAgainst(origin, clientId);
    for (let i = 0; i < 10; i++) await flows.signIn();
    await flows.machine();
    if (flows.errors.length > 0) throw new Error(`the first sign-ins failed: ${flows.errors.join('; ')}`);

    const forged = await generateKeyPair('ES256');
    const badTokens = ['not-a-token', 'x'.repeat(40)];
    for (let i = 0; i < 8; i++) {
      badTokens.push(await new SignJWT({ scope: 'mcp' }).setProtectedHeader({ alg: 'ES256', kid: `forged-${i}` }).setIssuer(origin).setAudience(`${origin}/mcp`).setSubject('mallory').setIssuedAt().setExpirationTime('1h').sign(forged.privateKey));
    }

    let unexpected = 0;
    let firstUnexpected = '';
    let picked = 0;
    const statuses = new Map<string, number>();
    const load = (overallRate: number | undefined, seconds: number, mix: boolean) =>
      autocannon({
        url: `${origin}/mcp`,
        connections: settings.connections,
        duration: seconds,
        ...(overallRate ? { overallRate } : {}),
        requests: [
          {
            method: 'POST',
            body: BODY,
            setupRequest(request: autocannon.Request, context: { bad?: boolean }) {
              const n = picked++;
              const bad = mix && n % 5 === 4;
              const pool = flows.accessTokens;
              context.bad = bad;
              const token = bad ? badTokens[n % badTokens.length]! : pool[n % pool.length]!;
              return { ...request, headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` } };
            },
            onResponse(status: number, body: string, context: { bad?: boolean }) {
              const key = `${context.bad ? 'bad' : 'good'} token -> ${status}`;
              statuses.set(key, (statuses.get(key) ?? 0) + 1);
              if (status !== (context.bad ? 401 : 200)) {
                unexpected++;
                firstUnexpected ||= `${status} ${body.slice(0, 300)}`;
              }
            },
          },
        ],
      });

    console.log(`Capacity: ${settings.capacitySec} s of valid-token tools/call at full speed, ${settings.connections} connections...`);
    const capacity = await load(undefined, settings.capacitySec, false);
    const rate = Math.max(1, Math.floor(capacity.requests.average / 2));
    console.log(`  ${formatNumber(capacity.requests.average)} req/s (p50 ${capacity.latency.p50} ms, p99 ${capacity.latency.p99} ms); soaking at ${formatNumber(rate)} req/s`);
    statuses.clear();
    unexpected = 0;

    const rssStart = rssMiB(demo.pid);
    const samples: number[] = [rssStart];
    const soakSec = Math.round(settings.minutes * 60);
    const until = Date.now() + soakSec * 1000;
    const flowLoop = (async () => {
      const gapMs = 1000 / settings.flowsPerSec;
      for (let i = 0; Date.now() < until; i++) {
        const started = Date.now();
        await [flows.signIn, flows.refresh, flows.machine][i % 3]!();
        if (i % 30 === 0) samples.push(rssMiB(demo.pid));
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, gapMs - (Date.now() - started))));
      }
    })();
    console.log(`Soak: ${settings.minutes} min, 80% valid / 20% bad tokens, plus ${settings.flowsPerSec} flows/s (sign-in, refresh, machine token in turn)...`);
    const soak = await load(rate, soakSec, true);
    await flowLoop;
    const rssEnd = rssMiB(demo.pid);
    samples.push(rssEnd);

    const socketErrors = soak.errors + soak.timeouts;
    console.log(`\nMCP endpoint at ${formatNumber(rate)} req/s target:`);
    console.log(
      table(
        ['requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'unexpected status', 'socket errors/timeouts'],
        [[formatNumber(soak.requests.total), formatNumber(soak.requests.average), String(soak.latency.p50), String(soak.latency.p99), String(soak.latency.max), String(unexpected), String(socketErrors)]],
      ),
    );
    console.log(`  answers: ${[...statuses].map(([k, v]) => `${k}: ${formatNumber(v)}`).join(', ')}`);
    if (firstUnexpected) console.log(`  first unexpected answer: ${firstUnexpected}`);
    console.log('\nFlows beside it:');
    console.log(
      table(
        ['flow', 'done', 'p50 ms', 'p99 ms'],
        Object.entries(flows.timings).map(([kind, ms]) => [kind, String(ms.length), formatNumber(median(ms), 1), formatNumber(percentile(ms, 99), 1)]),
      ),
    );
    console.log(`  flow errors: ${flows.errors.length}${flows.errors.length ? ` (first: ${flows.errors[0]})` : ''}`);
    const growth = ((rssEnd - rssStart) / rssStart) * 100;
    console.log(`\nServer RSS: ${formatNumber(rssStart, 1)} MiB after the capacity run, ${formatNumber(rssEnd, 1)} MiB at the end (${growth >= 0 ? '+' : ''}${formatNumber(growth, 1)}%); min ${formatNumber(Math.min(...samples), 1)}, max ${formatNumber(Math.max(...samples), 1)} MiB over ${samples.length} samples`);
    const errors = unexpected + socketErrors + flows.errors.length;
    console.log(errors === 0 && growth < 5 ? 'Goal met: no errors, RSS growth < 5%.' : `Goal NOT met: ${errors} errors, RSS growth ${formatNumber(growth, 1)}%.`);
    if (errors > 0) process.exitCode = 1;
  } finally {
    await demo.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

await main();
