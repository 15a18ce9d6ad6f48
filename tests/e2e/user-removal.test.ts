/**
 * A user removed with `gatehouse users remove` loses access at once, over
 * real HTTP: the authority runs with a users file (no development sign-in),
 * bob signs in with the official SDK client, and the CLI's own code removes
 * him from the file while the server runs. The server shares nothing with
 * the CLI but the file, as when the CLI runs in another process.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUsers } from '../../src/cli/users.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJson, signInWithSdk, startDemo, tempStateDir } from './authority-harness.js';

const PASSWORD = 'correct horse battery staple';
const quiet = { out: () => undefined, err: () => undefined };
const stdin = (text: string) => ({ readAll: async () => text });

async function users(argv: string[], usersFile: string): Promise<number> {
  return runUsers([...argv, '--file', usersFile], {}, quiet, stdin(PASSWORD));
}

async function mcpStatus(mcpUrl: string, accessToken: string): Promise<{ status: number; challenge: string | null }> {
  const response = await fetch(mcpUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });
  await response.body?.cancel();
  return { status: response.status, challenge: response.headers.get('www-authenticate') };
}

describe('gatehouse users remove, while the server runs', () => {
  const state = tempStateDir();
  const usersFile = join(state.path, 'users.json');
  let demo: Awaited<ReturnType<typeof startDemo>>;
  const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47660/callback' });

  beforeAll(async () => {
    expect(await users(['add', 'bob', '--password-stdin'], usersFile)).toBe(0);
    expect(await users(['add', 'carol', '--password-stdin'], usersFile)).toBe(0);
    demo = await startDemo(state.path, { layers: { authority: { devLogin: false, usersFile } } });
  });
  afterAll(async () => {
    await demo?.close();
    state.remove();
  });

  it("refuses bob's access token at his next request and his refresh token, and leaves carol alone", async () => {
    const client = await signInWithSdk(demo.mcpUrl, provider, 'bob', PASSWORD);
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'bob' });
    await client.close();
    const tokens = provider.tokens()!;
    expect((await mcpStatus(demo.mcpUrl, tokens.access_token)).status).toBe(200);

    const carolProvider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47661/callback' });
    const carol = await signInWithSdk(demo.mcpUrl, carolProvider, 'carol', PASSWORD);
    await carol.close();

    expect(await users(['remove', 'bob'], usersFile)).toBe(0);

    // The gate had just found bob's grant alive (and remembers that for a few seconds): the account check is not cached.
    const refused = await mcpStatus(demo.mcpUrl, tokens.access_token);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toMatch(/error="invalid_token"/);
    expect(refused.challenge).toMatch(/removed or has changed/);

    const refreshed = await fetch(`${demo.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: provider.clientInformation()!.client_id }),
    });
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');

    expect((await mcpStatus(demo.mcpUrl, carolProvider.tokens()!.access_token)).status).toBe(200);
  });
});
