/**
 * Token exchange (on-behalf-of calls), exchanges per second:
 *
 *   - cold: every call a distinct subject token, so every call is a real
 *     RFC 8693 exchange over loopback HTTP at the authority (client
 *     authentication, subject-token signature and grant check, policy,
 *     signing the new token), one at a time and 10 at once;
 *   - cached: the same subject token, audience and scope again: the
 *     client's cache answers without a request.
 *
 * The authority (memory store, default RS256 signing key) runs in this
 * process, beside the client. Subject tokens are minted beforehand with the
 * authority's own key for one real grant; minting is not measured.
 *
 * Tunables (env): BENCH_EXCHANGE_COLD (300 exchanges per sequential round),
 * BENCH_EXCHANGE_CONCURRENT (1000 per concurrent round), BENCH_EXCHANGE_CACHED
 * (50000), BENCH_EXCHANGE_ROUNDS (3). Run alone: `node --import tsx bench/exchange.ts`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importJWK, SignJWT } from 'jose';
import { createAuthority, type Authority } from '../src/authority/create-authority.js';
import { mcpResourceUri } from '../src/authority/provider/resource-indicators.js';
import { createTokenExchange } from '../src/exchange/create-token-exchange.js';
import { TOKEN_EXCHANGE_GRANT, type TokenExchange } from '../src/exchange/types.js';
import { formatNumber, median, table } from './stats.js';

const API = 'https://api.bench.local';
const CLIENT = { client_id: 'bench-mcp-server', client_secret: 'bench-secret-0123456789-abcdefghijklmnop' };

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name}="${raw}" must be an integer >= ${min}`);
  return value;
}

/** One row of the table: a way of calling, its exchanges/s per round. */
export interface ExchangeBenchRow {
  name: string;
  calls: number;
  rounds: number[];
  perSec: number;
  /** Requests the client sent to the token endpoint during the measured rounds. */
  requests: number;
}

interface Bench {
  authority: Authority;
  server: Server;
  origin: string;
  mint(count: number): Promise<string[]>;
  client(): TokenExchange;
  close(): Promise<void>;
}

async function startBenchAuthority(): Promise<Bench> {
  const stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-exchange-'));
  // The issuer needs the bound port, so the handler arrives after the listener.
  const late: { handler?: Authority['handler'] } = {};
  const server = createServer((req, res) => void late.handler?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const authority = await createAuthority(
    {
      publicUrl: origin,
      scopes: { required: ['mcp:tools'] },
      authority: {
        stateDir,
        store: 'memory',
        // The benchmark measures the exchange, not the per-client token rate limit (300 at once, 10/s after).
        tokenRateLimit: { burst: 1_000_000, refillSec: 0.001 },
        clients: [{ ...CLIENT, grant_types: [TOKEN_EXCHANGE_GRANT], redirect_uris: [], response_types: [] }],
        tokenExchange: { policies: [{ client: CLIENT.client_id, audiences: [API], scopes: ['orders:read'] }] },
      },
    },
    { warn: () => {} },
  );
  late.handler = authority.handler;

  // One real grant (a user's consent to an MCP client), as a sign-in would leave it.
  const resource = mcpResourceUri(authority.config);
  const grant = new authority.provider.Grant({ accountId: 'bench-user', clientId: 'bench-mcp-client' });
  grant.addResourceScope(resource, 'mcp:tools');
  const grantId = await grant.save();
  const jwk = authority.keys.jwks.keys[0]!;
  const key = await importJWK(jwk, jwk.alg);

  return {
    authority,
    server,
    origin,
    async mint(count) {
      const now = Math.floor(Date.now() / 1000);
      const tokens: string[] = [];
      for (let i = 0; i < count; i += 1) {
        tokens.push(
          await new SignJWT({ client_id: 'bench-mcp-client', scope: 'mcp:tools', gid: grantId })
            .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'at+jwt' })
            .setIssuer(authority.config.issuer)
            .setSubject(`bench-user-${i}`)
            .setAudience(resource)
            .setIssuedAt(now)
            .setExpirationTime(now + 3600)
            .setJti(crypto.randomUUID())
            .sign(key),
        );
      }
      return tokens;
    },
    client: () => createTokenExchange({ tokenEndpoint: `${origin}/oauth/token`, clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret }),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await authority.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Runs `calls` calls of `one`, `concurrency` at a time; exchanges per second. */
async function measure(calls: number, concurrency: number, one: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async function worker() {
      while (next < calls) await one(next++);
    }),
  );
  return calls / ((performance.now() - started) / 1000);
}

/**
 * Measures cold and cached exchanges against an in-process authority.
 *
 * @example
 * ```ts
 * printExchangeBench(await runExchangeBench());
 * ```
 */
export async function runExchangeBench(): Promise<{ rows: ExchangeBenchRow[]; mintSec: number }> {
  const settings = {
    cold: intFromEnv('BENCH_EXCHANGE_COLD', 300, 10),
    concurrent: intFromEnv('BENCH_EXCHANGE_CONCURRENT', 1000, 10),
    cached: intFromEnv('BENCH_EXCHANGE_CACHED', 50_000, 100),
    rounds: intFromEnv('BENCH_EXCHANGE_ROUNDS', 3, 1),
  };
  const bench = await startBenchAuthority();
  try {
    const minting = performance.now();
    const subjects = await bench.mint(settings.rounds * (settings.cold + settings.concurrent) + 51);
    const mintSec = (performance.now() - minting) / 1000;
    const request = { audience: API, scope: 'orders:read' };
    const repeated = { token: subjects.pop()!, expiresAt: Math.floor(Date.now() / 1000) + 3600 };

    // Warm-up, not measured: connection, key import, first JIT.
    const warm = bench.client();
    for (const token of subjects.splice(0, 50)) await warm.tokenFor(token, request);

    const plan = [
      { name: 'cold, 1 at a time (a real exchange each)', calls: settings.cold, concurrency: 1, cached: false },
      { name: 'cold, 10 at once (a real exchange each)', calls: settings.concurrent, concurrency: 10, cached: false },
      { name: 'cached (same user, audience, scope)', calls: settings.cached, concurrency: 1, cached: true },
    ];
    const rows: ExchangeBenchRow[] = plan.map((p) => ({ name: p.name, calls: p.calls, rounds: [], perSec: 0, requests: 0 }));
    for (let round = 0; round < settings.rounds; round += 1) {
      for (const [index, p] of plan.entries()) {
        const client = bench.client();
        if (p.cached) {
          await client.tokenFor(repeated, request);
          const before = client.stats.requests;
          rows[index]!.rounds.push(await measure(p.calls, 1, () => client.tokenFor(repeated, request)));
          rows[index]!.requests += client.stats.requests - before;
        } else {
          const batch = subjects.splice(0, p.calls);
          rows[index]!.rounds.push(await measure(p.calls, p.concurrency, (i) => client.tokenFor(batch[i]!, request)));
          rows[index]!.requests += client.stats.requests;
        }
      }
    }
    for (const row of rows) row.perSec = median(row.rounds);
    return { rows, mintSec };
  } finally {
    await bench.close();
  }
}

/**
 * Prints the exchange table: exchanges/s cold and cached, side by side.
 *
 * @example
 * ```ts
 * printExchangeBench(await runExchangeBench());
 * ```
 */
export function printExchangeBench(result: { rows: ExchangeBenchRow[]; mintSec: number }): void {
  const { rows, mintSec } = result;
  const cold = rows[0]!;
  const rounds = cold.rounds.length;
  console.log(
    `\nToken exchange (RFC 8693 on-behalf-of), client and authority in one process over loopback HTTP, RS256; ` +
      `${rounds} round(s), medians. Subject tokens minted beforehand in ${formatNumber(mintSec, 1)}s (not measured).\n`,
  );
  console.log(
    table(
      ['calls', 'exchanges/s', 'ms per call', 'vs cold', 'token endpoint requests'],
      rows.map((r) => [
        r.name,
        formatNumber(r.perSec),
        formatNumber(1000 / r.perSec, 3),
        `${formatNumber(r.perSec / cold.perSec, 1)}x`,
        `${formatNumber(r.requests)} of ${formatNumber(r.calls * rounds)}`,
      ]),
    ),
  );
  console.log('\nexchanges/s of each round:');
  for (const r of rows) console.log(`  ${r.name.padEnd(42)} ${r.rounds.map((v) => formatNumber(v)).join(', ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runExchangeBench().then(printExchangeBench, (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
