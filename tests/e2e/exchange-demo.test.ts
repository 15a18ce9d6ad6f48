/**
 * On-behalf-of calls end to end, over real HTTP, as `gatehouse demo` runs
 * them: the official SDK client signs in at the authority and calls the
 * tool `call_api`; the MCP server exchanges the user's token at the
 * authority's token endpoint (RFC 8693) and calls the demo API, whose own
 * gate (audience: the API) accepts the exchanged token and refuses the
 * user's original one.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_API_TOOL, DEMO_API_SCOPE, DEMO_EXCHANGE_CLIENT } from '../../src/cli/demo-downstream.js';
import { TOKEN_EXCHANGE_GRANT } from '../../src/exchange/types.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJson, signInWithSdk, startDemo, tempStateDir } from './authority-harness.js';

type Demo = Awaited<ReturnType<typeof startDemo>>;

const state = tempStateDir();
let demo: Demo;
let apiUrl: string;
/** Token-endpoint requests for the token-exchange grant, counted at the authority. */
const exchanges = { ok: 0, refused: 0 };

function decode(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

beforeAll(async () => {
  demo = await startDemo(state.path);
  const line = demo.output.out.find((l) => l.includes('on-behalf-of:'));
  apiUrl = /the demo API (\S+)/.exec(line ?? '')?.[1] ?? '';
  const isExchange = (ctx: KoaContextWithOIDC) => (ctx.oidc?.params as { grant_type?: string } | undefined)?.grant_type === TOKEN_EXCHANGE_GRANT;
  demo.authority.provider.on('grant.success', (ctx: KoaContextWithOIDC) => void (isExchange(ctx) && (exchanges.ok += 1)));
  demo.authority.provider.on('grant.error', (ctx: KoaContextWithOIDC) => void (isExchange(ctx) && (exchanges.refused += 1)));
});
afterAll(async () => {
  await demo.close();
  state.remove();
});

describe('gatehouse demo: call_api on behalf of the signed-in user', () => {
  const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47711/callback' });

  it('says where the downstream API is', () => {
    expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
  });

  it('advertises the token-exchange grant in the authorization server metadata', async () => {
    const metadata = (await (await fetch(`${demo.origin}/.well-known/oauth-authorization-server`)).json()) as { grant_types_supported: string[] };
    expect(metadata.grant_types_supported).toContain(TOKEN_EXCHANGE_GRANT);
  });

  it('exchanges the token and the API names the user and the acting MCP server', async () => {
    const client = await signInWithSdk(demo.mcpUrl, provider, 'grace');
    const result = await callJson(client, CALL_API_TOOL);
    expect(result).toMatchObject({
      status: 200,
      response: { onBehalfOf: 'grace', calledBy: DEMO_EXCHANGE_CLIENT, scopes: [DEMO_API_SCOPE] },
    });
    expect(exchanges).toEqual({ ok: 1, refused: 0 });

    // Repeated calls reuse the exchanged token: still one exchange at the authority.
    await callJson(client, CALL_API_TOOL);
    await callJson(client, CALL_API_TOOL);
    expect(exchanges).toEqual({ ok: 1, refused: 0 });
    await client.close();
  });

  it("the API refuses the user's own token: its audience is the MCP server", async () => {
    const original = provider.tokens()!.access_token;
    expect(decode(original)).toMatchObject({ aud: demo.mcpUrl, sub: 'grace' });
    const response = await fetch(`${apiUrl}/orders`, { headers: { authorization: `Bearer ${original}` } });
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toMatch(/audience/i);
    await response.body?.cancel();
  });

  it('the API refuses a request with no token, pointing at its own metadata', async () => {
    const response = await fetch(`${apiUrl}/orders`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${new URL(apiUrl).origin}/.well-known/oauth-protected-resource/api"`);
    await response.body?.cancel();
  });
});
