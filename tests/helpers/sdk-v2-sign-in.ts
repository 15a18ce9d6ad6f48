/**
 * Signing in with the SDK v2 client (`@modelcontextprotocol/client`): its
 * first connect meets the gate's 401, discovers, registers and asks to open
 * the authorization URL; a scripted user signs in headlessly; the callback's
 * query (code, state and the RFC 9207 `iss` the v2 client checks) goes to
 * `finishAuth`, and a second connect with the same provider succeeds.
 */
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { headlessLogin } from './headless-login.js';
import type { InMemoryOAuthProvider } from './sdk-oauth-provider.js';
import type { V2Negotiation } from './adapter-kit.js';

/**
 * A connected SDK v2 client for `mcpUrl`, signed in as `login`, negotiating
 * the protocol revision as `mode` says.
 *
 * @example
 * ```ts
 * const client = await signInWithSdkV2(demo.mcpUrl, new InMemoryOAuthProvider(), 'ada', { pin: '2026-07-28' });
 * client.getNegotiatedProtocolVersion(); // '2026-07-28'
 * ```
 */
export async function signInWithSdkV2(mcpUrl: string, provider: InMemoryOAuthProvider, login: string, mode: V2Negotiation, password = ''): Promise<Client> {
  const newClient = () => new Client({ name: 'gatehouse-e2e-client-v2', version: '1.0.0' }, { versionNegotiation: { mode } });
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  let failure: unknown;
  try {
    await newClient().connect(first);
  } catch (err) {
    failure = err;
  }
  if (!(failure instanceof UnauthorizedError)) throw new Error(`expected the first connect to need authorization, got ${String(failure)}`);
  const callback = await headlessLogin(provider.lastAuthorizationUrl, { login, password });
  await first.finishAuth(callback.searchParams);
  const client = newClient();
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  return client;
}

/**
 * Calls a tool that answers JSON text and parses it.
 *
 * @example
 * ```ts
 * const me = await callJsonV2(client, 'whoami');
 * ```
 */
export async function callJsonV2(client: Client, name: string): Promise<Record<string, unknown>> {
  const result = await client.callTool({ name, arguments: {} });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  const [first] = result.content as { type: string; text: string }[];
  return JSON.parse(first?.text ?? 'null') as Record<string, unknown>;
}
