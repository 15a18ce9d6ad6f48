import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryError } from '../errors.js';
import { createGatehouse, type GatehouseInstance } from '../gatehouse.js';
import { serve, type ServedHttp } from '../server/serve.js';
import { startTestIssuer, type TestIssuer } from '../testing/test-issuer.js';
import type { GatehouseVerifier } from '../tokens/create-verifier.js';

const PUBLIC_URL = 'https://mcp.example.com';
let issuer: TestIssuer;
let gate: GatehouseInstance | undefined;
let served: ServedHttp | undefined;

beforeAll(async () => {
  issuer = await startTestIssuer({ audience: `${PUBLIC_URL}/mcp` });
});
afterEach(async () => {
  gate?.close();
  gate = undefined;
  await served?.close();
  served = undefined;
  issuer.setJwksMode('ok');
});
afterAll(async () => {
  await issuer.close();
});

function gateFor(extra: { lazyStart?: boolean; jwksUri?: string; jwksCooldownSec?: number } = {}): GatehouseInstance {
  gate = createGatehouse({
    issuer: issuer.issuer,
    publicUrl: PUBLIC_URL,
    discovery: { timeoutMs: 1000, lazyStart: extra.lazyStart },
    jwt: { ...(extra.jwksUri ? { jwksUri: extra.jwksUri } : {}), ...(extra.jwksCooldownSec !== undefined ? { jwksCooldownSec: extra.jwksCooldownSec } : {}) },
  });
  return gate;
}

async function status(token: string): Promise<number> {
  const result = await gate!.authenticate(new Request(`${PUBLIC_URL}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }));
  return result.ok ? 200 : result.response.status;
}

async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}/jwks`;
}

describe('ready() in resource-server mode checks the issuer\'s keys', () => {
  it.each([
    ['error', 'HTTP 500'],
    ['garbage', 'the response is not a JSON Web Key Set'],
    ['empty', 'the key set has no keys'],
  ] as const)('fails to start when the JWKS answers %s', async (mode, what) => {
    issuer.setJwksMode(mode);
    const error = await gateFor().ready().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DiscoveryError);
    const message = (error as DiscoveryError).message;
    expect(message).toMatch(new RegExp(`^Failed to fetch JWKS from ${issuer.jwksUri}: ${what}\\.\\n`));
    expect(message).toContain('discovery.lazyStart');
    expect((error as DiscoveryError).urls).toEqual([issuer.jwksUri]);
  });

  it('fails to start when the JWKS URL is unreachable', async () => {
    const unreachable = await closedPortUrl();
    const error = await gateFor({ jwksUri: unreachable }).ready().catch((err: unknown) => err);
    expect((error as Error).message).toMatch(new RegExp(`^Failed to fetch JWKS from ${unreachable}: network error \\(ECONNREFUSED\\)`));
  });

  it('keeps serving the cached keys through a later outage or an emptied key set', async () => {
    await gateFor().ready();
    for (const mode of ['error', 'empty'] as const) {
      issuer.setJwksMode(mode);
      await (gate!.verifier as GatehouseVerifier).jwks.reload();
      // A fresh token each time: a remembered verification would not touch the keys.
      expect(await status(await issuer.mint({ jti: mode })), mode).toBe(200);
    }
  });
});

describe('a deliberate lazy start (discovery.lazyStart)', () => {
  it('starts without keys, /readyz 503 until they load, then 200 and tokens verify', async () => {
    issuer.setJwksMode('error');
    // No cooldown here, so the recovery shows at the next /readyz; the next test keeps the default.
    const lazy = gateFor({ lazyStart: true, jwksCooldownSec: 0 });
    await lazy.ready();
    served = await serve({ host: '127.0.0.1', port: 0, readiness: () => lazy.readiness() });
    served.ready((_req, res) => void res.writeHead(204).end());
    const readyz = `http://127.0.0.1:${served.port}/readyz`;

    const down = await fetch(readyz);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { detail: string }).detail).toContain('HTTP 500');
    expect(await status(await issuer.mint())).toBe(401);

    issuer.setJwksMode('ok');
    expect((await fetch(readyz)).status).toBe(200);
    expect(await status(await issuer.mint())).toBe(200);
  });

  it('costs the issuer one JWKS request per cooldown however often /readyz is asked', async () => {
    issuer.setJwksMode('error');
    const lazy = gateFor({ lazyStart: true });
    await lazy.ready();
    const before = issuer.jwksRequests;
    const answers = await Promise.all(Array.from({ length: 20 }, () => lazy.readiness()));
    expect(answers.every((answer) => !answer.ready)).toBe(true);
    // The start's own attempt is younger than the 30 s default cooldown: none of the 20 goes to the issuer.
    expect(issuer.jwksRequests).toBe(before);
  });

  it('is off by default', () => {
    expect(gateFor().config.discovery.lazyStart).toBe(false);
  });
});
