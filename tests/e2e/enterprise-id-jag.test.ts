/**
 * Enterprise-Managed Authorization (SEP-990) against the authority demo over
 * real HTTP: an enterprise IdP stand-in on loopback (RFC 8414 metadata, a
 * JWKS, jose-signed ID-JAGs) is trusted by GATEHOUSE_ID_JAG_ISSUERS; a
 * configured client redeems its ID-JAGs with the JWT bearer grant and calls
 * whoami as the enterprise user. Every way an ID-JAG can be wrong is refused
 * with invalid_grant (or invalid_scope, unauthorized_client) and a
 * description that names the problem.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenExchangeError } from '../../src/errors.js';
import { createTokenExchange } from '../../src/exchange/create-token-exchange.js';
import { TOKEN_EXCHANGE_GRANT } from '../../src/exchange/types.js';
import type { AuditEvent } from '../../src/telemetry/types.js';
import { startTestIssuer, type TestIssuer } from '../../src/testing/test-issuer.js';
import { callJson, startDemo, tempStateDir } from './authority-harness.js';

type Demo = Awaited<ReturnType<typeof startDemo>>;
type Json = Record<string, unknown>;

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ID_JAG = { typ: 'oauth-id-jag+jwt' };
const AGENT = { client_id: 'agent', client_secret: 'agent-secret-for-tests-only-0123456789', grant_types: [JWT_BEARER], redirect_uris: [], response_types: [], scope: 'mcp:tools' };
const OTHER = { ...AGENT, client_id: 'other-agent', client_secret: 'other-secret-for-tests-only-0123456789' };
// Configured for refresh tokens too: the operator's opt-in.
const LASTING = { ...AGENT, client_id: 'lasting-agent', client_secret: 'lasting-secret-for-tests-only-0123456789', grant_types: [JWT_BEARER, 'refresh_token'] };
const ROBOT = { client_id: 'robot', client_secret: 'robot-secret-for-tests-only-0123456789', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp:tools' };
// The MCP server's own client, exchanging the tokens it receives for a downstream API's (docs/on-behalf-of.md).
const API = 'https://api.local';
const MCP_SERVER = { client_id: 'mcp-server', client_secret: 'mcp-server-secret-for-tests-only-0123456789', grant_types: [TOKEN_EXCHANGE_GRANT], redirect_uris: [], response_types: [] };
const basic = (client: { client_id: string; client_secret: string }) => ({ authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` });

let idp: TestIssuer;
let stranger: TestIssuer;
/** A trusted IdP whose users are named by their email here (subjectClaim). */
let mapped: TestIssuer;
let demo: Demo;
const state = tempStateDir();
const audited: AuditEvent[] = [];

beforeAll(async () => {
  idp = await startTestIssuer();
  stranger = await startTestIssuer();
  mapped = await startTestIssuer();
  demo = await startDemo(state.path, { layers: {
      authority: {
        clients: [AGENT, OTHER, LASTING, ROBOT, MCP_SERVER],
        devLogin: false,
        idJag: { issuers: [idp.issuer, { issuer: mapped.issuer, subjectClaim: 'email' }] },
        tokenExchange: { policies: [{ client: MCP_SERVER.client_id, audiences: [API], scopes: ['orders:read'] }] },
      },
    },
    onAudit: (event) => void audited.push(event),
  });
});
afterAll(async () => {
  await demo?.close();
  await idp?.close();
  await stranger?.close();
  await mapped?.close();
  state.remove();
});

/** An ID-JAG for the agent, as the enterprise IdP issues it after the user signed in there. */
function idJag(claims: Json = {}, options: Parameters<TestIssuer['mint']>[1] = {}, from = idp): Promise<string> {
  return from.mint({ aud: demo.origin, client_id: AGENT.client_id, sub: 'alice@acme.example', resource: demo.mcpUrl, scope: 'mcp:tools', ...claims }, { ...options, header: { ...ID_JAG, ...options.header } });
}

async function redeem(assertion: string, client: { client_id: string; client_secret: string } = AGENT, extra: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${demo.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(client) },
    body: new URLSearchParams({ grant_type: JWT_BEARER, assertion, ...extra }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function expectRefused(assertion: string, error: string, description: RegExp, client = AGENT, extra: Record<string, string> = {}): Promise<void> {
  const answer = await redeem(assertion, client, extra);
  expect(answer.status, JSON.stringify(answer.body)).toBe(400);
  expect(answer.body.error).toBe(error);
  expect(answer.body.error_description).toMatch(description);
  expect(answer.body).not.toHaveProperty('access_token');
}

describe('a valid ID-JAG', () => {
  it('is advertised: grant_types_supported lists the JWT bearer grant', async () => {
    const metadata = (await (await fetch(`${demo.origin}/.well-known/oauth-authorization-server`)).json()) as Json;
    expect(metadata.grant_types_supported).toContain(JWT_BEARER);
  });

  it('yields an audience-bound at+jwt, without a refresh token, that calls whoami as the enterprise user', async () => {
    const issued = await redeem(await idJag());
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', scope: 'mcp:tools' });
    expect(issued.body).not.toHaveProperty('refresh_token');
    const accessToken = issued.body.access_token as string;
    const claims = decodeJwt(accessToken);
    expect(claims).toMatchObject({ iss: demo.origin, aud: demo.mcpUrl, sub: `${idp.issuer}#alice@acme.example`, client_id: 'agent', scope: 'mcp:tools', enterprise_iss: idp.issuer });
    expect(typeof claims.gid).toBe('string');

    const client = new Client({ name: 'enterprise-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${accessToken}` } } }));
    try {
      expect(await callJson(client, 'whoami')).toMatchObject({ subject: `${idp.issuer}#alice@acme.example`, clientId: 'agent', scopes: ['mcp:tools'] });
      // Per-tool scopes apply unchanged: the admin tool needs mcp:admin, which the agent was not configured for.
      await expect(client.callTool({ name: 'admin_report', arguments: {} })).rejects.toThrow(/403|insufficient_scope/);
    } finally {
      await client.close();
    }
  });
});

describe('an IdP whose users are named by a claim (subjectClaim)', () => {
  it('names the user by that claim, and refuses an ID-JAG without it', async () => {
    const issued = await redeem(await idJag({ iss: mapped.issuer, email: 'gina@acme.example' }, {}, mapped));
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(decodeJwt(issued.body.access_token as string)).toMatchObject({ sub: 'gina@acme.example', enterprise_iss: mapped.issuer });
    await expectRefused(await idJag({ iss: mapped.issuer }, {}, mapped), 'invalid_grant', new RegExp(`assertion has no email claim, which names the user here \\(subjectClaim of ${mapped.issuer}\\)`));
  });
});

describe('audit events of the ID-JAG grant', () => {
  it('token.issued names the grant, the enterprise IdP, the user, the client, the scopes and the resource; never the ID-JAG or the token', async () => {
    const assertion = await idJag({ sub: 'erin@acme.example' });
    const issued = await redeem(assertion);
    expect(issued.status).toBe(200);
    const event = audited.find((e) => e.event === 'token.issued' && e.subject === `${idp.issuer}#erin@acme.example`);
    expect(event).toMatchObject({ grant: JWT_BEARER, issuer: idp.issuer, clientId: 'agent', scopes: ['mcp:tools'], resource: demo.mcpUrl });
    const text = JSON.stringify(audited);
    expect(text).not.toContain(assertion.split('.')[2]);
    expect(text).not.toContain((issued.body.access_token as string).split('.')[2]);
  });

  it('request.refused names why: a replay, a foreign audience, an untrusted issuer, a scope beyond the client', async () => {
    const refusedWith = async (assertion: string, reason: string, extra: Partial<AuditEvent> = {}) => {
      const before = audited.length;
      expect((await redeem(assertion)).status).toBe(400);
      const events = audited.slice(before).filter((e) => e.event === 'request.refused');
      expect(events, JSON.stringify(audited.slice(before))).toHaveLength(1);
      expect(events[0]).toMatchObject({ grant: JWT_BEARER, reason, status: 400, clientId: 'agent', resource: demo.mcpUrl, ...extra });
      expect(audited.slice(before).some((e) => e.event === 'token.issued')).toBe(false);
      return events[0]!;
    };
    const spent = await idJag({ sub: 'frank@acme.example' });
    expect((await redeem(spent)).status).toBe(200);
    await refusedWith(spent, 'id_jag_replayed', { issuer: idp.issuer, subject: `${idp.issuer}#frank@acme.example` });
    await refusedWith(await idJag({ aud: 'https://as.other.example' }), 'id_jag_audience', { issuer: idp.issuer });
    // An untrusted iss is the caller's word, not a fact: it is not recorded.
    const untrusted = await refusedWith(await idJag({ iss: stranger.issuer }, {}, stranger), 'id_jag_untrusted_issuer');
    expect(untrusted.issuer).toBeUndefined();
    await refusedWith(await idJag({ scope: 'mcp:admin' }), 'id_jag_scope', { issuer: idp.issuer });
  });
});

describe('refresh tokens for a client configured with the refresh_token grant', () => {
  async function refresh(refreshToken: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${demo.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(LASTING) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }
  async function whoamiWith(accessToken: string): Promise<Json> {
    const client = new Client({ name: 'enterprise-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${accessToken}` } } }));
    try {
      return await callJson(client, 'whoami');
    } finally {
      await client.close();
    }
  }

  it('get a rotating refresh token whose tokens still name the enterprise user and IdP, and call whoami', async () => {
    const user = `${idp.issuer}#dana@acme.example`;
    const issued = await redeem(await idJag({ sub: 'dana@acme.example', client_id: LASTING.client_id }), LASTING);
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(typeof issued.body.refresh_token).toBe('string');
    const first = decodeJwt(issued.body.access_token as string);

    const before = audited.length;
    const refreshed = await refresh(issued.body.refresh_token as string);
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(issued.body.refresh_token);
    const claims = decodeJwt(refreshed.body.access_token as string);
    expect(claims).toMatchObject({ iss: demo.origin, aud: demo.mcpUrl, sub: user, client_id: LASTING.client_id, scope: 'mcp:tools', enterprise_iss: idp.issuer, gid: first.gid });
    expect(await whoamiWith(refreshed.body.access_token as string)).toMatchObject({ subject: user, clientId: LASTING.client_id });
    expect(audited.slice(before).find((e) => e.event === 'token.refreshed')).toMatchObject({ subject: user, issuer: idp.issuer, clientId: LASTING.client_id });

    // The rotated token refreshes again; the grant's tokens all die with it.
    const again = await refresh(refreshed.body.refresh_token as string);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    const revoked = await fetch(`${demo.origin}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(LASTING) },
      body: new URLSearchParams({ token: again.body.refresh_token as string, token_type_hint: 'refresh_token' }),
    });
    expect(revoked.status).toBe(200);
    await expect(whoamiWith(again.body.access_token as string)).rejects.toThrow(/401|invalid_token|Unauthorized/);
    expect((await refresh(again.body.refresh_token as string)).body.error).toBe('invalid_grant');
  });

  it('never outlive the grant: it ends refreshTokenTtlSec after the ID-JAG was redeemed, however often it is refreshed', async () => {
    const issued = await redeem(await idJag({ sub: 'ed@acme.example', client_id: LASTING.client_id }), LASTING);
    const grant = await demo.authority.provider.Grant.find(decodeJwt(issued.body.access_token as string).gid as string);
    const ttl = demo.authority.config.authority.refreshTokenTtlSec;
    expect(grant!.exp! - grant!.iat!).toBe(ttl);
  });

  it('are not issued to a client configured without the refresh_token grant', async () => {
    const issued = await redeem(await idJag({ sub: 'gus@acme.example' }));
    expect(issued.status).toBe(200);
    expect(issued.body).not.toHaveProperty('refresh_token');
    const grant = await demo.authority.provider.Grant.find(decodeJwt(issued.body.access_token as string).gid as string);
    expect(grant!.exp! - grant!.iat!).toBe(demo.authority.config.authority.accessTokenTtlSec);
  });
});

describe('a token issued for an ID-JAG, exchanged on behalf of the enterprise user (RFC 8693)', () => {
  const exchange = () => createTokenExchange({ issuer: demo.origin, clientId: MCP_SERVER.client_id, clientSecret: MCP_SERVER.client_secret });

  it('yields a downstream token naming the enterprise user and the acting MCP server, signed by the authority', async () => {
    const issued = await redeem(await idJag({ sub: 'bob@acme.example' }));
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const result = await exchange().exchange(issued.body.access_token as string, { audience: API, scope: 'orders:read' });
    expect(result).toMatchObject({ tokenType: 'Bearer', scope: 'orders:read' });
    const jwks = (await (await fetch(`${demo.origin}/oauth/jwks`)).json()) as { keys: JWK[] };
    const { payload } = await jwtVerify(result.accessToken, createLocalJWKSet(jwks), { issuer: demo.origin, audience: API });
    expect(payload).toMatchObject({ sub: `${idp.issuer}#bob@acme.example`, client_id: MCP_SERVER.client_id, act: { sub: MCP_SERVER.client_id }, scope: 'orders:read' });
    // The API downstream still knows which enterprise IdP vouched for the user.
    expect(decodeJwt(issued.body.access_token as string).enterprise_iss).toBe(idp.issuer);
    expect(payload.enterprise_iss).toBe(idp.issuer);
    // Never past the subject token's own expiry.
    expect(payload.exp!).toBeLessThanOrEqual(decodeJwt(issued.body.access_token as string).exp!);
  });

  it('is refused once the grant behind the token is gone, like any user token', async () => {
    const issued = await redeem(await idJag({ sub: 'carol@acme.example' }));
    const subject = issued.body.access_token as string;
    await expect(exchange().exchange(subject, { audience: API, scope: 'orders:read' })).resolves.toBeDefined();
    // No refresh token to revoke it with: the grant goes as an operator's revocation removes it.
    const grant = await demo.authority.provider.Grant.find(decodeJwt(subject).gid as string);
    expect(grant?.accountId).toBe(`${idp.issuer}#carol@acme.example`);
    await grant!.destroy();
    const refused = await exchange().exchange(subject, { audience: API, scope: 'orders:read' }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(TokenExchangeError);
    expect((refused as TokenExchangeError).message).toMatch(/subject_token was revoked/);
  });
});

describe('a wrong ID-JAG is refused with a description naming the problem', () => {
  it('a token that is not an ID-JAG (typ at+jwt)', async () => {
    await expectRefused(await idJag({}, { header: { typ: 'at+jwt' } }), 'invalid_grant', /typ header is "at\+jwt", expected "oauth-id-jag\+jwt"/);
  });

  it('an ID-JAG for another authorization server (foreign aud)', async () => {
    await expectRefused(await idJag({ aud: 'https://as.other.example' }), 'invalid_grant', /audience "https:\/\/as\.other\.example" is not this authorization server/);
    await expectRefused(await idJag({ aud: [demo.origin, 'https://as.other.example'] }), 'invalid_grant', /audience .* is not this authorization server/);
  });

  it("another client's ID-JAG", async () => {
    await expectRefused(await idJag({ client_id: OTHER.client_id }), 'invalid_grant', /issued to client "other-agent", not to the authenticated client "agent"/);
  });

  it('an ID-JAG from an IdP that is not trusted', async () => {
    await expectRefused(await idJag({ iss: stranger.issuer }, {}, stranger), 'invalid_grant', new RegExp(`issuer "${stranger.issuer}" is not a trusted enterprise IdP`));
  });

  it('an ID-JAG signed by another key under the trusted issuer', async () => {
    const forged = await stranger.mint({ iss: idp.issuer, aud: demo.origin, client_id: 'agent', sub: 'mallory' }, { header: { ...ID_JAG, kid: idp.kid } });
    await expectRefused(forged, 'invalid_grant', /signature does not verify with the keys of/);
  });

  it('an expired ID-JAG, and one that lives too long', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await idJag({ iat: now - 600, exp: now - 120 }), 'invalid_grant', /assertion expired at/);
    await expectRefused(await idJag({ iat: now, exp: now + 3600 }), 'invalid_grant', /lifetime 3600s .* longer than the 300s accepted/);
  });

  it('alg none, and HS256 keyed with the IdP\'s public key', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'oauth-id-jag+jwt' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(JSON.stringify({ iss: idp.issuer, aud: demo.origin, client_id: 'agent', sub: 'mallory', jti: 'none-1', iat: now, exp: now + 60 })).toString('base64url');
    await expectRefused(`${header}.${payload}.`, 'invalid_grant', /alg "none" is never accepted/);
    const jwks = (await (await fetch(idp.jwksUri)).json()) as { keys: Json[] };
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
    await expectRefused(await idJag({}, { header: { alg: 'HS256' }, key: publicKeyBytes }), 'invalid_grant', /alg "HS256" is never accepted/);
  });

  it('a resource this server does not protect', async () => {
    await expectRefused(await idJag({ resource: 'https://api.other.example/mcp' }), 'invalid_grant', /resource "https:\/\/api\.other\.example\/mcp" is not protected by this authorization server/);
  });

  it('scope beyond what the client may get: invalid_scope', async () => {
    await expectRefused(await idJag({ scope: 'mcp:admin' }), 'invalid_scope', /none of the ID-JAG's scopes \(mcp:admin\) is allowed for this client/);
    await expectRefused(await idJag({ scope: 'mcp:tools mcp:admin' }), 'invalid_scope', /scope mcp:admin is not allowed for this client/, AGENT, { scope: 'mcp:tools mcp:admin' });
    await expectRefused(await idJag({ scope: 'mcp:tools' }), 'invalid_scope', /beyond what the ID-JAG grants/, AGENT, { scope: 'mcp:admin' });
  });

  it('narrows an ID-JAG granting more than the client may get to what it may', async () => {
    const issued = await redeem(await idJag({ scope: 'mcp:tools mcp:admin' }));
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(issued.body.scope).toBe('mcp:tools');
  });

  it('a replayed jti', async () => {
    const assertion = await idJag();
    expect((await redeem(assertion)).status).toBe(200);
    await expectRefused(assertion, 'invalid_grant', /already used: ID-JAG jti .* was redeemed before/);
  });

  it('10 parallel redemptions of one ID-JAG: exactly one token', async () => {
    const assertion = await idJag();
    const answers = await Promise.all(Array.from({ length: 10 }, () => redeem(assertion)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const refused of answers.filter((a) => a.status !== 200)) {
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: 'invalid_grant' });
      expect(refused.body.error_description).toMatch(/already used/);
    }
  });

  it('a client not configured with the grant: unauthorized_client', async () => {
    await expectRefused(await idJag({ client_id: ROBOT.client_id }), 'unauthorized_client', /may not use urn:ietf:params:oauth:grant-type:jwt-bearer/, ROBOT);
  });

  it('a request without client authentication', async () => {
    const response = await fetch(`${demo.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: await idJag(), client_id: 'agent' }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as Json).error).toBe('invalid_client');
  });

  it('no assertion, or one that is not a JWT', async () => {
    await expectRefused('', 'invalid_request', /assertion/);
    await expectRefused('not-a-jwt', 'invalid_grant', /assertion is not a JWT/);
  });
});
