/**
 * What the broker-mode tests share: a free port picked first (the upstream
 * must know the callback before Gatehouse starts), the demo in broker mode
 * on it, and a scripted browser's sign-in through Gatehouse and the upstream.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { ConfigLayer } from '../../src/config/schema.js';
import { startDemo } from '../e2e/authority-harness.js';

/** A free TCP port on localhost, released again. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The callback Gatehouse on `port` registers at the upstream. */
export function callbackOn(port: number): string {
  return `http://localhost:${port}/oauth/upstream/callback`;
}

/** `gatehouse demo` in broker mode, as `startDemo` starts it, on `port`. */
export function startBrokerDemo(stateDir: string, port: number, upstream: NonNullable<ConfigLayer['upstream']>, layers: ConfigLayer = {}) {
  return startDemo(stateDir, { port, layers: { ...layers, upstream } });
}

/** Decodes a JWT's payload without checking it (the test reads what the client holds). */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}

/** Registers a public client by DCR with `redirectUri`, and an authorization URL for it (PKCE S256). */
export async function registeredClient(origin: string, redirectUri: string, scope = 'mcp:tools'): Promise<{ clientId: string; authorizationUrl(): URL }> {
  const registered = await fetch(`${origin}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Notes app', redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' }),
  });
  if (registered.status !== 201) throw new Error(`registration answered ${registered.status}: ${await registered.text()}`);
  const clientId = ((await registered.json()) as { client_id: string }).client_id;
  return {
    clientId,
    authorizationUrl() {
      const url = new URL(`${origin}/oauth/authorize`);
      const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
      for (const [name, value] of Object.entries({
        response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope, state: 'st', code_challenge: challenge, code_challenge_method: 'S256',
      })) url.searchParams.set(name, value);
      return url;
    },
  };
}
