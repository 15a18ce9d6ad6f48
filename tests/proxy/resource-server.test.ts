/**
 * `gatehouse proxy` with an existing identity provider (resource-server
 * mode): the gate accepts that issuer's tokens, and identity assertions are
 * signed with a proxy key of their own, generated into the state directory
 * and published at /.well-known/gatehouse-proxy-jwks.json.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSERTION_TYPE } from '../../src/proxy/http/assertion.js';
import { ASSERTION_JWKS_PATH } from '../../src/proxy/front.js';
import { startTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { tempStateDir } from '../e2e/authority-harness.js';
import { startTestProxy, textOf, type TestProxy } from './harness.js';
import { startRecordingUpstream, type RecordingUpstream } from './recording-upstream.js';

const AUDIENCE = 'urn:gatehouse:proxy-test';

describe('proxy in front of an HTTP upstream, tokens from an existing issuer', () => {
  let issuer: TestIssuer;
  let upstream: RecordingUpstream;
  let proxy: TestProxy;
  const state = tempStateDir();

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    upstream = await startRecordingUpstream();
    proxy = await startTestProxy(
      { upstream: upstream.url },
      { layers: { issuer: issuer.issuer, audience: AUDIENCE, authority: { stateDir: state.path, store: 'file' } } },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
    await issuer?.close();
    state.remove();
  });

  it("accepts the issuer's token and signs the upstream's assertion with its own published key", async () => {
    const token = await issuer.mint({ sub: 'erin', client_id: 'erins-client', scope: 'mcp' });
    const client = new Client({ name: 'resource-server-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(proxy.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const seen = JSON.parse(textOf(await client.callTool({ name: 'seen-headers', arguments: {} }))) as Record<string, string>;
    await client.close();

    expect(seen.authorization).toBeUndefined();
    expect(seen['x-gatehouse-subject']).toBe('erin');
    expect(seen['x-gatehouse-client-id']).toBe('erins-client');
    const { payload, protectedHeader } = await jwtVerify(seen['x-gatehouse-assertion']!, createRemoteJWKSet(new URL(`${proxy.publicUrl}${ASSERTION_JWKS_PATH}`)), {
      issuer: proxy.publicUrl,
      audience: upstream.url,
      typ: ASSERTION_TYPE,
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: 'erin', client_id: 'erins-client', scope: 'mcp' });
  });

  it('keeps the proxy key in the state directory, readable by its owner only', () => {
    const file = join(state.path, 'proxy', 'keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a request without a token with the gate\'s challenge, before the upstream sees anything', async () => {
    const before = upstream.requests.length;
    const res = await fetch(proxy.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${proxy.publicUrl}/.well-known/oauth-protected-resource/mcp"`);
    expect(upstream.requests.length).toBe(before);
  });
});

describe('proxy on a lazy start (discovery.lazyStart), the issuer\'s keys not loadable yet', () => {
  let issuer: TestIssuer;
  let upstream: RecordingUpstream;
  let proxy: TestProxy;
  const state = tempStateDir();

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    issuer.setJwksMode('error');
    upstream = await startRecordingUpstream();
    proxy = await startTestProxy(
      { upstream: upstream.url },
      { layers: { issuer: issuer.issuer, audience: AUDIENCE, discovery: { lazyStart: true }, jwt: { jwksCooldownSec: 0 }, authority: { stateDir: state.path, store: 'file' } } },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
    await issuer?.close();
    state.remove();
  });

  it('answers /readyz 503 with the reason until the keys load, then 200', async () => {
    const down = await fetch(`${proxy.publicUrl}/readyz`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { detail: string }).detail).toContain("the issuer's signing keys are not loaded yet");
    issuer.setJwksMode('ok');
    expect((await fetch(`${proxy.publicUrl}/readyz`)).status).toBe(200);
  });
});
