/**
 * Broker mode on two Gatehouse instances sharing one real redis-server,
 * behind one PUBLIC_URL (a round-robin): after the upstream access token
 * expired, upstream-tool calls arriving at both instances at once lead to
 * exactly one refresh at the upstream, whose refresh tokens rotate (a
 * second use of the spent one would be refused, and end the grant there).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEnterpriseIdp, type EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { describeWithRedis, startRedisServer, type TestRedis } from '../helpers/redis-server.js';
import { startRoundRobin, type RoundRobin } from '../helpers/round-robin.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJson, newClient, signInWithSdk, tempStateDir, transportFor } from '../e2e/authority-harness.js';
import { freePort, startBrokerDemo } from './broker-harness.js';

const SECRET = 'a-shared-secret-of-more-than-32-characters-broker';

describeWithRedis('broker mode on two instances sharing one Redis', () => {
  const states = [tempStateDir(), tempStateDir()];
  let redis: TestRedis;
  let lb: RoundRobin;
  let idp: EnterpriseIdp;
  let demos: Awaited<ReturnType<typeof startBrokerDemo>>[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    const ports = [await freePort(), await freePort()];
    lb = await startRoundRobin(ports);
    // 32 s: within the vault's 30 s refresh margin after 2 s, so a refresh is due without a long wait.
    idp = await startEnterpriseIdp({
      redirectUri: `${lb.origin}/oauth/upstream/callback`,
      accessTokenTtl: 32,
      rotateRefreshTokens: true,
      users: { ada: { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' } },
    });
    const upstream = { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: ['openid', 'profile', 'email', 'offline_access'] };
    const layers = { publicUrl: lb.origin, authority: { store: 'redis' as const, redisUrl: redis.url, redisPrefix: 'broker:', secret: SECRET } };
    demos = await Promise.all(ports.map((port, i) => startBrokerDemo(states[i]!.path, port, upstream, layers)));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(demos.map((demo) => demo.close()));
    await lb?.close();
    await idp?.close();
    await redis?.close();
    for (const state of states) state.remove();
  });

  it('refreshes the expired upstream token once for calls on both instances at the same time', async () => {
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47751/callback' });
    clients.push(await signInWithSdk(`${lb.origin}/mcp`, provider, 'ada'));
    // The same Gatehouse token, straight to each instance.
    for (const demo of demos) {
      const client = newClient();
      await client.connect(transportFor(demo.mcpUrl.replace(lb.origin, `http://127.0.0.1:${demo.listening.port}`), provider));
      clients.push(client);
    }
    const [, onA, onB] = clients as [Client, Client, Client];
    expect(await callJson(onA, 'upstream_whoami')).toMatchObject({ user: { sub: 'ada' } });
    const tokenCalls = () => idp.requests.filter((r) => r === 'POST /token').length;
    const before = tokenCalls();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const answers = await Promise.all([onA, onB, onA, onB, onA, onB].map((client) => callJson(client, 'upstream_whoami')));
    for (const answer of answers) expect(answer).toMatchObject({ user: { sub: 'ada', email: 'ada@example.com' } });
    expect(tokenCalls() - before).toBe(1);
    // Both instances now use the refreshed token as it is.
    await Promise.all([callJson(onA, 'upstream_whoami'), callJson(onB, 'upstream_whoami')]);
    expect(tokenCalls() - before).toBe(1);
    expect(provider.authorizationUrls).toHaveLength(1);
  });
});
