/**
 * The official MCP SDK client against `gatehouse demo` with no issuer: the
 * authority, the gate and the demo MCP server on one origin, zero config.
 * The client registers by DCR or by a Client ID Metadata Document, signs in
 * on the authority's own pages, calls `whoami`, and after a restart of the
 * server (same state directory) carries on with its saved tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJson, newClient, signInWithSdk, startDemo, startLocalHttps, tempStateDir, transportFor, type LocalHttps } from './authority-harness.js';

const REDIRECT_URL = 'http://127.0.0.1:47652/callback';

describe('the SDK client by dynamic client registration', () => {
  const state = tempStateDir();
  let demo: Awaited<ReturnType<typeof startDemo>>;
  const provider = new InMemoryOAuthProvider({ redirectUrl: REDIRECT_URL });

  beforeAll(async () => {
    demo = await startDemo(state.path);
  });
  afterAll(async () => {
    await demo.close();
    state.remove();
  });

  it('says how to connect and how to sign in, and warns about the development settings', () => {
    const out = demo.output.out.join('\n');
    expect(out).toContain(`Gatehouse ready: MCP endpoint ${demo.mcpUrl} (authorization server ${demo.origin}`);
    expect(out).toContain('npx @modelcontextprotocol/inspector');
    expect(out).toContain(`claude mcp add --transport http gatehouse-demo ${demo.mcpUrl}`);
    expect(out).toContain(`"url":"${demo.mcpUrl}"`);
    expect(out).toMatch(/development sign-in: type any username/);
    expect(demo.output.err.every((line) => line.startsWith('gatehouse WARNING: '))).toBe(true);
    expect(demo.output.err.join('\n')).toMatch(/development sign-in is on/);
  });

  it('registers, signs in, and calls whoami as the signed-in user', async () => {
    const client = await signInWithSdk(demo.mcpUrl, provider, 'ada');
    const me = await callJson(client, 'whoami');
    expect(me).toMatchObject({ subject: 'ada', resource: demo.mcpUrl, scopes: ['mcp:tools'] });
    expect(me.clientId).toBe(provider.clientInformation()?.client_id);
    await client.close();

    const tokens = provider.tokens()!;
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const [header, payload] = tokens.access_token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ iss: demo.origin, aud: demo.mcpUrl, sub: 'ada', scope: 'mcp:tools' });
    expect(provider.authorizationUrls).toHaveLength(1);
  });

  it('guards admin_report by mcp:admin; SDK 1.32 refreshes instead of re-authorizing and gives up', async () => {
    // Pinned client behaviour (see tests/e2e/sdk-flow.test.ts): on 403 insufficient_scope the SDK
    // tries its refresh token, which cannot widen scopes, gets the same 403 and stops.
    const before = provider.authorizationUrls.length;
    const refreshToken = provider.tokens()?.refresh_token;
    const client = newClient();
    await client.connect(transportFor(demo.mcpUrl, provider));
    await expect(client.callTool({ name: 'admin_report', arguments: {} })).rejects.toThrow(/403 after trying upscoping/);
    await client.close();
    expect(provider.authorizationUrls).toHaveLength(before);
    // The refresh happened and rotated the refresh token; the session carries on.
    expect(provider.tokens()?.refresh_token).not.toBe(refreshToken);
    expect(provider.tokens()?.scope).toBe('mcp:tools');
  });

  describe('after the server restarts with the same state directory', () => {
    let port: number;
    beforeAll(async () => {
      port = demo.listening.port;
      await demo.close();
      demo = await startDemo(state.path, { port });
    });

    it('accepts the saved access token without a new sign-in', async () => {
      const before = provider.authorizationUrls.length;
      const client = newClient();
      await client.connect(transportFor(demo.mcpUrl, provider));
      expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'ada' });
      await client.close();
      expect(provider.authorizationUrls).toHaveLength(before);
    });

    it('refreshes with the saved refresh token when the access token is refused', async () => {
      const before = provider.authorizationUrls.length;
      const saved = provider.tokens()!;
      provider.saveTokens({ ...saved, access_token: 'not-a-valid-token' });
      const client = newClient();
      await client.connect(transportFor(demo.mcpUrl, provider));
      expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'ada' });
      await client.close();
      const refreshed = provider.tokens()!;
      expect(refreshed.access_token).not.toBe('not-a-valid-token');
      expect(refreshed.refresh_token).not.toBe(saved.refresh_token);
      expect(provider.authorizationUrls).toHaveLength(before);
    });
  });
});

describe('the SDK client by a Client ID Metadata Document', () => {
  const state = tempStateDir();
  let https: LocalHttps;
  let demo: Awaited<ReturnType<typeof startDemo>>;

  beforeAll(async () => {
    https = await startLocalHttps();
    demo = await startDemo(state.path, { fetch: https.fetch });
  });
  afterAll(async () => {
    await demo.close();
    await https.close();
    state.remove();
  });

  it('signs in without registering, with the document as its client id, and calls whoami', async () => {
    const clientId = `${https.origin}/oauth/client-metadata.json`;
    https.serveJson('/oauth/client-metadata.json', {
      client_id: clientId,
      client_name: 'CIMD e2e client',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    // Port-less loopback in the document, a port at run time: RFC 8252 §7.3, as Claude Code does.
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47653/callback', clientMetadataUrl: clientId });
    const client = await signInWithSdk(demo.mcpUrl, provider, 'grace');
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'grace', clientId });
    await client.close();
    expect(provider.clientInformation()?.client_id).toBe(clientId);
    expect(provider.lastAuthorizationUrl.searchParams.get('client_id')).toBe(clientId);
    expect(https.requests).toContain('/oauth/client-metadata.json');
  });
});
