/**
 * The SDK v2 client (`@modelcontextprotocol/client`) signing in for real and
 * calling tools, in each way it negotiates the protocol revision: `auto`
 * (probes `server/discover`, speaks 2026-07-28 when offered) and pinned to
 * 2026-07-28 (fails without it), plus `legacy` (its default, never probes).
 * Against `gatehouse demo` (its own authority), and against SDK v2 servers
 * behind the Express and Hono adapters in front of a real oidc-provider;
 * the SDK v1 client signs in to the same servers.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../src/gatehouse.js';
import type { Gatehouse } from '../../src/types.js';
import type { V2Negotiation } from '../helpers/adapter-kit.js';
import { startMcpApp, type McpApp } from '../helpers/mcp-app.js';
import { startMcpReadyIssuer, type OidcIssuer } from '../helpers/oidc-issuer.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJsonV2, signInWithSdkV2 } from '../helpers/sdk-v2-sign-in.js';
import { callJson, signInWithSdk, startDemo, tempStateDir } from './authority-harness.js';

const MODES: Array<[string, V2Negotiation, string]> = [
  ['auto', 'auto', '2026-07-28'],
  ['pinned to 2026-07-28', { pin: '2026-07-28' }, '2026-07-28'],
  ['legacy (its default)', 'legacy', '2025-11-25'],
];

describe('the SDK v2 client → gatehouse demo (its own authority, the demo server on the SDK v2)', () => {
  const state = tempStateDir();
  let demo: Awaited<ReturnType<typeof startDemo>>;

  beforeAll(async () => {
    demo = await startDemo(state.path);
  });
  afterAll(async () => {
    await demo.close();
    state.remove();
  });

  it.each(MODES)('signs in (%s), asserts the revision it settled on, and calls whoami as the user', async (_name, mode, version) => {
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47661/callback' });
    const client = await signInWithSdkV2(demo.mcpUrl, provider, 'ada', mode);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(version);
      expect(await callJsonV2(client, 'whoami')).toMatchObject({ subject: 'ada', resource: demo.mcpUrl, scopes: ['mcp:tools'] });
      expect(provider.authorizationUrls).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('still serves the SDK v1 client (the SDK v2 stateless 2025 fallback)', async () => {
    const client = await signInWithSdk(demo.mcpUrl, new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47662/callback' }), 'bea');
    try {
      expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'bea' });
    } finally {
      await client.close();
    }
  });
});

describe.each(['express', 'hono'] as const)('the SDK v2 client → an SDK v2 server behind the %s adapter → oidc-provider', (framework) => {
  let app: McpApp;
  let as: OidcIssuer;
  let gate: Gatehouse;

  beforeAll(async () => {
    app = await startMcpApp({ sdk: 'v2', framework });
    as = await startMcpReadyIssuer({ resource: app.mcpUrl, registeredScope: 'enforced' });
    gate = createGatehouse({ issuer: as.issuer, publicUrl: app.origin, scopes: { required: ['mcp:tools'], tools: { admin_report: ['mcp:admin'] } } });
    await gate.ready();
    app.use(gate);
  });
  afterAll(async () => {
    gate?.close();
    await app?.close();
    await as?.close();
  });

  it.each(MODES)('signs in (%s), asserts the revision it settled on, and calls whoami as the user', async (_name, mode, version) => {
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47663/callback' });
    const client = await signInWithSdkV2(app.mcpUrl, provider, 'alice', mode);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(version);
      expect(await callJsonV2(client, 'whoami')).toMatchObject({ sub: 'alice', clientId: provider.clientInformation()?.client_id, scopes: ['mcp:tools'] });
    } finally {
      await client.close();
    }
    // Every request of the flow reached the app through the gate: a 401 first, then only successes.
    expect(app.requests.filter((r) => r.startsWith('POST /mcp')).at(0)).toBe('POST /mcp 401');
  });

  it('still serves the SDK v1 client', async () => {
    const client: Client = await signInWithSdk(app.mcpUrl, new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47664/callback' }), 'bob');
    try {
      expect(await callJson(client, 'whoami')).toMatchObject({ sub: 'bob', scopes: ['mcp:tools'] });
    } finally {
      await client.close();
    }
  });
});
