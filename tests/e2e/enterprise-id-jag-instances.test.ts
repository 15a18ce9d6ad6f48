/**
 * The ID-JAG replay cache holds across instances: two authority demos share
 * one real redis-server (one issuer, one GATEHOUSE_SECRET, as behind a load
 * balancer) and the same ID-JAG is redeemed at both at the same moment.
 * Exactly one token is issued; every other redemption is `invalid_grant`
 * naming the replay.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../../src/testing/test-issuer.js';
import { describeWithRedis, startRedisServer, type TestRedis } from '../helpers/redis-server.js';
import { startDemo, tempStateDir } from './authority-harness.js';

type Demo = Awaited<ReturnType<typeof startDemo>>;
type Json = Record<string, unknown>;

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const AGENT = { client_id: 'agent', client_secret: 'agent-secret-for-tests-only-0123456789', grant_types: [JWT_BEARER], redirect_uris: [], response_types: [], scope: 'mcp:tools' };
const SECRET = 'a-shared-secret-of-more-than-32-characters-idjag';
const BASIC = `Basic ${Buffer.from(`${AGENT.client_id}:${AGENT.client_secret}`).toString('base64')}`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describeWithRedis('an ID-JAG redeemed at two instances sharing one Redis', () => {
  const states = [tempStateDir(), tempStateDir()];
  let redis: TestRedis;
  let idp: TestIssuer;
  const demos: Demo[] = [];
  let publicUrl: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    idp = await startTestIssuer();
    const ports = [await freePort(), await freePort()];
    publicUrl = `http://localhost:${ports[0]}`;
    const authority = { store: 'redis' as const, redisUrl: redis.url, redisPrefix: 'idjag-e2e:', secret: SECRET, clients: [AGENT], devLogin: false, idJag: { issuers: [idp.issuer] } };
    // One after the other: the first makes the shared signing keys in Redis, the second reads them.
    for (const [i, port] of ports.entries()) demos.push(await startDemo(states[i]!.path, { port, layers: { publicUrl, authority } }));
  }, 60_000);

  afterAll(async () => {
    for (const demo of demos) await demo.close();
    await idp?.close();
    await redis?.close();
    for (const state of states) state.remove();
  });

  /** The token endpoint of one instance, by its own port (the issuer is the same for both). */
  async function redeemAt(demo: Demo, assertion: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(`http://127.0.0.1:${demo.listening.port}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  it('issues exactly one token; the other instance refuses the replay with invalid_grant', async () => {
    expect(demos.map((demo) => demo.authority.config.issuer)).toEqual([publicUrl, publicUrl]);
    // Several rounds, two requests at each instance per round: a check-then-write race would let two through.
    for (let round = 0; round < 8; round++) {
      const assertion = await idp.mint(
        { aud: publicUrl, client_id: AGENT.client_id, sub: `user-${round}@acme.example`, resource: `${publicUrl}/mcp`, scope: 'mcp:tools' },
        { header: { typ: 'oauth-id-jag+jwt' } },
      );
      const answers = await Promise.all([demos[0]!, demos[1]!, demos[0]!, demos[1]!].map((demo) => redeemAt(demo, assertion)));
      const issued = answers.filter((answer) => answer.status === 200);
      expect(issued, JSON.stringify(answers)).toHaveLength(1);
      expect(typeof issued[0]!.body.access_token).toBe('string');
      for (const refused of answers.filter((answer) => answer.status !== 200)) {
        expect(refused.status).toBe(400);
        expect(refused.body.error).toBe('invalid_grant');
        expect(refused.body.error_description).toMatch(/already used: ID-JAG jti .* was redeemed before/);
      }
      // Later, at either instance: still refused.
      expect((await redeemAt(demos[round % 2]!, assertion)).body.error).toBe('invalid_grant');
    }
  });
});
