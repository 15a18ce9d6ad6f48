import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { registerClient } from './dcr-facade.js';

const config = resolveConfig({
  issuer: 'https://idp.example.com',
  publicUrl: 'https://mcp.example.com',
  registration: { clientId: 'pre-registered-public-client' },
});

function register(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Response> {
  return registerClient(
    new Request('https://mcp.example.com/register', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    config,
  );
}

describe('DCR façade: accepted registrations', () => {
  it.each([
    ['claude.ai', { client_name: 'Claude', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'] }],
    [
      'VS Code',
      {
        client_name: 'Visual Studio Code',
        redirect_uris: ['https://vscode.dev/redirect', 'https://insiders.vscode.dev/redirect', 'http://127.0.0.1/', 'http://127.0.0.1:33418/'],
      },
    ],
    [
      'Cursor',
      {
        client_name: 'Cursor',
        redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback', 'https://www.cursor.com/agents/mcp/oauth/callback', 'http://localhost:8787/callback'],
      },
    ],
    [
      'Claude Code',
      {
        client_name: 'Claude Code',
        redirect_uris: ['http://localhost:49152/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
      },
    ],
    ['mcp-remote', { redirect_uris: ['http://localhost:7777/oauth/callback'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }],
  ])('accepts %s', async (_name, metadata) => {
    const response = await register(metadata);
    expect(response.status).toBe(201);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const client = (await response.json()) as Record<string, unknown>;
    expect(client).toMatchObject({
      client_id: 'pre-registered-public-client',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: metadata.redirect_uris,
    });
    expect(typeof client.client_id_issued_at).toBe('number');
    expect(client).not.toHaveProperty('client_secret');
    if ('client_name' in metadata) expect(client.client_name).toBe(metadata.client_name);
  });
});

describe('DCR façade: refused registrations', () => {
  it.each([
    ['javascript:', { redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri', /javascript/],
    ['data:', { redirect_uris: ['data:text/html,hi'] }, 'invalid_redirect_uri', /data/],
    ['a fragment', { redirect_uris: ['https://claude.ai/cb#frag'] }, 'invalid_redirect_uri', /fragment/],
    ['http on a public host', { redirect_uris: ['https://claude.ai/cb', 'http://evil.example/cb'] }, 'invalid_redirect_uri', /evil\.example.*loopback/],
    ['redirect_uris not an array', { redirect_uris: 'https://claude.ai/cb' }, 'invalid_redirect_uri', /array/],
    ['an empty redirect_uris', { redirect_uris: [] }, 'invalid_redirect_uri', /non-empty/],
    ['a non-string redirect URI', { redirect_uris: [42] }, 'invalid_redirect_uri', /string/],
    ['missing redirect_uris', { client_name: 'x' }, 'invalid_redirect_uri', /required/],
    ['a client_credentials-only client', { redirect_uris: ['https://a.example/cb'], grant_types: ['client_credentials'] }, 'invalid_client_metadata', /authorization_code/],
    ['a JSON array body', [{ redirect_uris: ['https://a.example/cb'] }], 'invalid_client_metadata', /JSON object/],
    ['a JSON null body', 'null', 'invalid_client_metadata', /JSON object/],
    ['invalid JSON', '{"redirect_uris": [', 'invalid_client_metadata', /not valid JSON/],
  ])('refuses %s', async (_name, body, error, description) => {
    const response = await register(body);
    expect(response.status).toBe(400);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const json = (await response.json()) as { error: string; error_description: string };
    expect(json.error).toBe(error);
    expect(json.error_description).toMatch(description);
  });

  it('refuses a body that is not application/json', async () => {
    const response = await register('redirect_uris=https://claude.ai/cb', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: 'Content-Type must be application/json' });
  });

  it('refuses an oversized body', async () => {
    const response = await register({ redirect_uris: ['https://claude.ai/cb'], pad: 'x'.repeat(100 * 1024) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error_description: string }).error_description).toMatch(/larger than/);
  });

  it('answers 404 when no pre-registered client is configured', async () => {
    const plain = resolveConfig({ issuer: 'https://idp.example.com', publicUrl: 'https://mcp.example.com' });
    const request = new Request('https://mcp.example.com/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect((await registerClient(request, plain)).status).toBe(404);
  });
});
