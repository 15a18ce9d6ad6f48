import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ConfigLayer } from '../../config/schema.js';
import { resolveConfig } from '../../config/resolve.js';
import { ConfigError } from '../../errors.js';
import { createAuthority } from '../create-authority.js';
import { machineClientProblems } from '../registration/machine-clients.js';
import { idJagConfigProblems } from './install.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const AGENT = { client_id: 'agent', client_secret: 'agent-secret-for-tests-only-0123456789', grant_types: [JWT_BEARER], redirect_uris: [], response_types: [], scope: 'mcp:tools' };

function problems(authority: ConfigLayer['authority']): string[] {
  return idJagConfigProblems(resolveConfig({ mode: 'authority', publicUrl: 'https://mcp.example.com', authority }));
}

describe('ID-JAG settings that stop the start', () => {
  it('none for a trusted IdP and a confidential client with the grant', () => {
    expect(problems({ clients: [AGENT], idJag: { issuers: ['https://acme.okta.com'] } })).toEqual([]);
    expect(problems({ clients: [{ ...AGENT, client_secret: undefined, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://agent.example/jwks' }], idJag: { issuers: ['https://acme.okta.com'] } })).toEqual([]);
  });

  it('a client allowed the grant while no enterprise IdP is trusted', () => {
    expect(problems({ clients: [AGENT] })).toEqual([
      `authority.clients: client "agent" has grant ${JWT_BEARER} but no enterprise IdP is trusted: set GATEHOUSE_ID_JAG_ISSUERS (authority.idJag.issuers)`,
    ]);
  });

  it('a client allowed the grant without client authentication: no secret, or token_endpoint_auth_method none', () => {
    const publicAgent = `authority.clients: client "agent" has grant ${JWT_BEARER} but is public (no client_secret or keys); only a client that authenticates may redeem ID-JAGs`;
    expect(problems({ clients: [{ ...AGENT, client_secret: undefined }], idJag: { issuers: ['https://acme.okta.com'] } })).toEqual([publicAgent]);
    expect(problems({ clients: [{ ...AGENT, token_endpoint_auth_method: 'none' }], idJag: { issuers: ['https://acme.okta.com'] } })).toEqual([publicAgent]);
  });

  it('an http: IdP or JWKS in production, except on this machine', () => {
    const production = { env: 'production' as const, clients: [AGENT] };
    expect(problems({ ...production, idJag: { issuers: ['http://idp.acme.example'] } })).toEqual(['authority.idJag.issuers: http://idp.acme.example must use https: in production']);
    expect(problems({ ...production, idJag: { issuers: [{ issuer: 'https://idp.acme.example', jwksUri: 'http://idp.acme.example/keys' }] } })).toEqual([
      'authority.idJag.issuers: the jwksUri http://idp.acme.example/keys of https://idp.acme.example must use https: in production (its keys decide who signs in)',
    ]);
    expect(problems({ ...production, idJag: { issuers: ['http://127.0.0.1:9000', 'http://localhost:9001'] } })).toEqual([]);
    // Outside production a plain-http IdP is fine (a local stand-in).
    expect(problems({ clients: [AGENT], idJag: { issuers: ['http://idp.acme.example'] } })).toEqual([]);
  });

  it('a client allowed the grant without a scope (the machine-client rule covers it)', () => {
    const config = resolveConfig({ mode: 'authority', publicUrl: 'https://mcp.example.com', authority: { clients: [{ ...AGENT, scope: undefined }], idJag: { issuers: ['https://acme.okta.com'] } } });
    expect(machineClientProblems(config)).toEqual([expect.stringContaining(`client "agent" has grant ${JWT_BEARER} but no scope`)]);
  });

  it('lists every problem at once', () => {
    expect(problems({ clients: [{ ...AGENT, client_secret: undefined }, { ...AGENT, client_id: 'other' }] })).toHaveLength(3);
  });

  it('createAuthority refuses them with a ConfigError before serving anything', async () => {
    const start = createAuthority({ publicUrl: 'http://localhost:3000', authority: { store: 'memory', clients: [{ ...AGENT, client_secret: undefined }], idJag: { issuers: ['http://127.0.0.1:9'] } } });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(/client "agent" has grant .* but is public/);
  });

  it('serves the JWT bearer grant only when an IdP is trusted', async () => {
    for (const [issuers, listed] of [[[], false], [['http://127.0.0.1:9'], true]] as const) {
      const authority = await createAuthority({ publicUrl: 'http://localhost:3000', authority: { store: 'memory', devLogin: false, clients: listed ? [AGENT] : [], idJag: { issuers: [...issuers] } } }, { warn: () => {} });
      const server = createServer((req, res) => void authority.handler(req, res));
      try {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const { port } = server.address() as AddressInfo;
        const metadata = (await (await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`)).json()) as { grant_types_supported: string[] };
        expect(metadata.grant_types_supported.includes(JWT_BEARER)).toBe(listed);
      } finally {
        await new Promise((resolve) => server.close(resolve));
        await authority.close();
      }
    }
  });
});
