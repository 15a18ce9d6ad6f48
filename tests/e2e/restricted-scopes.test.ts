/**
 * Restricted scopes over real HTTP: a user not entitled to one who asks for
 * it gets a token without it (narrowed, not an error) and never sees it on
 * the consent page; an entitled user gets it and passes the gate's step-up
 * check. Entitlement comes from the users file (roles or scopes, set with
 * `gatehouse users add`), or, with the development sign-in of the demo,
 * from the username.
 */
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUsers } from '../../src/cli/users.js';
import { signInForTokens, startDemo, tempStateDir } from './authority-harness.js';

const PASSWORD = 'correct horse battery staple';
const quiet = { out: () => undefined, err: () => undefined };

async function callTool(mcpUrl: string, accessToken: string, name: string): Promise<number> {
  const response = await fetch(mcpUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } }),
  });
  await response.body?.cancel();
  return response.status;
}

/** Signs in asking for `scope` and keeps the consent page's HTML. */
async function signIn(origin: string, login: string, scope: string, password = '') {
  let consent = '';
  const tokens = await signInForTokens(origin, {
    login, password, scope,
    onPage: (_url, html) => {
      if (html.includes('Allow access?')) consent = html;
    },
  });
  return { tokens, consent, scopes: String(tokens.scope).split(' ').sort() };
}

describe('production-style users file: roles and scopes from `gatehouse users add`', () => {
  const state = tempStateDir();
  const usersFile = join(state.path, 'users.json');
  let demo: Awaited<ReturnType<typeof startDemo>>;

  beforeAll(async () => {
    const add = (argv: string[]) => runUsers(['add', ...argv, '--password-stdin', '--file', usersFile], {}, quiet, { readAll: async () => PASSWORD });
    expect(await add(['bob'])).toBe(0);
    expect(await add(['alice', '--role', 'admin'])).toBe(0);
    expect(await add(['carol', '--scopes', 'mcp:admin'])).toBe(0);
    demo = await startDemo(state.path, { layers: { authority: { devLogin: false, usersFile, roles: { admin: ['mcp:admin'] } } } });
  });
  afterAll(async () => {
    await demo?.close();
    state.remove();
  });

  it('narrows an unentitled user asking for mcp:admin: a token without it, a consent page without it', async () => {
    const bob = await signIn(demo.origin, 'bob', 'mcp:tools mcp:admin', PASSWORD);
    expect(bob.scopes).toEqual(['mcp:tools']);
    expect(decodeJwt(bob.tokens.access_token as string).scope).toBe('mcp:tools');
    expect(bob.consent).toContain('<code>mcp:tools</code>');
    expect(bob.consent).not.toContain('mcp:admin');
    expect(await callTool(demo.mcpUrl, bob.tokens.access_token as string, 'admin_report')).toBe(403);

    // Refreshing cannot widen it either: the refresh token never held it.
    const refreshed = await fetch(`${demo.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: bob.tokens.refresh_token as string, client_id: bob.tokens.client_id as string, scope: 'mcp:tools mcp:admin' }),
    });
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as Record<string, unknown>).error).toBe('invalid_scope');
  });

  it.each([
    ['alice', 'by her role'],
    ['carol', 'by her scopes'],
  ])('grants mcp:admin to %s, entitled %s, and the step-up tool answers', async (login) => {
    const entitled = await signIn(demo.origin, login, 'mcp:tools mcp:admin', PASSWORD);
    expect(entitled.scopes).toEqual(['mcp:admin', 'mcp:tools']);
    expect(entitled.consent).toContain('<code>mcp:admin</code>');
    expect(await callTool(demo.mcpUrl, entitled.tokens.access_token as string, 'admin_report')).toBe(200);
  });
});

describe('the demo with the development sign-in', () => {
  const state = tempStateDir();
  let demo: Awaited<ReturnType<typeof startDemo>>;
  beforeAll(async () => {
    demo = await startDemo(state.path);
  });
  afterAll(async () => {
    await demo?.close();
    state.remove();
  });

  it('restricts mcp:admin to usernames starting with "admin", and says so when it starts', async () => {
    expect(demo.output.out.join('\n')).toMatch(/usernames starting with "admin" may be granted mcp:admin/);
    expect((await signIn(demo.origin, 'ada', 'mcp:tools mcp:admin')).scopes).toEqual(['mcp:tools']);
    const admin = await signIn(demo.origin, 'admin', 'mcp:tools mcp:admin');
    expect(admin.scopes).toEqual(['mcp:admin', 'mcp:tools']);
    expect(await callTool(demo.mcpUrl, admin.tokens.access_token as string, 'admin_report')).toBe(200);
  });
});
