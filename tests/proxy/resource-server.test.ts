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

/** A test issuer, a recording upstream and the proxy between, for one describe block; `layers` add to the issuer's. */
function useIssuerProxy(layers: Record<string, unknown> = {}, beforeProxy: (issuer: TestIssuer) => void = () => {}) {
  const state = tempStateDir();
  const parts = { state } as { issuer: TestIssuer; upstream: RecordingUpstream; proxy: TestProxy; state: typeof state };
  beforeAll(async () => {
    parts.issuer = await startTestIssuer({ audience: AUDIENCE });
    beforeProxy(parts.issuer);
    parts.upstream = await startRecordingUpstream();
    parts.proxy = await startTestProxy(
      { upstream: parts.upstream.url },
      { layers: { issuer: parts.issuer.issuer, audience: AUDIENCE, authority: { stateDir: state.path, store: 'file' }, ...layers } },
    );
  });
  afterAll(async () => {
    await parts.proxy?.stop();
    await parts.upstream?.close();
    await parts.issuer?.close();
    state.remove();
  });
  return parts;
}

describe('proxy in front of an HTTP upstream, tokens from an existing issuer', () => {
  const parts = useIssuerProxy();

  it("accepts the issuer's token and signs the upstream's assertion with its own published key", async () => {
    const token = await parts.issuer.mint({ sub: 'erin', client_id: 'erins-client', scope: 'mcp' });
    const client = new Client({ name: 'resource-server-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(parts.proxy.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const seen = JSON.parse(textOf(await client.callTool({ name: 'seen-headers', arguments: {} }))) as Record<string, string>;
    await client.close();

    expect(seen.authorization).toBeUndefined();
    expect(seen['x-gatehouse-subject']).toBe('erin');
    expect(seen['x-gatehouse-client-id']).toBe('erins-client');
    const { payload, protectedHeader } = await jwtVerify(seen['x-gatehouse-assertion']!, createRemoteJWKSet(new URL(`${parts.proxy.publicUrl}${ASSERTION_JWKS_PATH}`)), {
      issuer: parts.proxy.publicUrl,
      audience: parts.upstream.url,
      typ: ASSERTION_TYPE,
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: 'erin', client_id: 'erins-client', scope: 'mcp' });
  });

  it('keeps the proxy key in the state directory, readable by its owner only', () => {
    const file = join(parts.state.path, 'proxy', 'keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a request without a token with the gate\'s challenge, before the upstream sees anything', async () => {
    const before = parts.upstream.requests.length;
    const res = await fetch(parts.proxy.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${parts.proxy.publicUrl}/.well-known/oauth-protected-resource/mcp"`);
    expect(parts.upstream.requests.length).toBe(before);
  });
});

describe('proxy on a lazy start (discovery.lazyStart), the issuer\'s keys not loadable yet', () => {
  const parts = useIssuerProxy({ discovery: { lazyStart: true }, jwt: { jwksCooldownSec: 0 } }, (issuer) => issuer.setJwksMode('error'));

  it('answers /readyz 503 with the reason until the keys load, then 200', async () => {
    const down = await fetch(`${parts.proxy.publicUrl}/readyz`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { detail: string }).detail).toContain("the issuer's signing keys are not loaded yet");
    parts.issuer.setJwksMode('ok');
    expect((await fetch(`${parts.proxy.publicUrl}/readyz`)).status).toBe(200);
  });
});
