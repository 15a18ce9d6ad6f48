import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/index.js';
import { ConfigError } from '../../errors.js';
import { inferApplicationType } from './client-metadata.js';
import { configuredClients } from './configured-clients.js';
import { dcrPolicy, redirectHostAllowed, registrationFeature } from './dcr-policy.js';
import { cimdAllowsPrivateAddresses } from './outgoing-fetch.js';
import { redirectUriMatches } from './redirect-matching.js';

const publicUrl = 'https://mcp.example.com';

describe('dcrPolicy', () => {
  it('is open in development unless configured', () => {
    expect(dcrPolicy(resolveConfig({ publicUrl }))).toBe('open');
    expect(dcrPolicy(resolveConfig({ publicUrl, authority: { registration: { dcr: 'off' } } }))).toBe('off');
  });

  it('in production: token when a token is set, else allowlist when hosts are listed, else off', () => {
    const production = (registration: object) => resolveConfig({ publicUrl, authority: { env: 'production', registration } });
    expect(dcrPolicy(production({ initialAccessToken: 'a-long-initial-access-token', allowedRedirectHosts: ['claude.ai'] }))).toBe('token');
    expect(dcrPolicy(production({ allowedRedirectHosts: ['claude.ai'] }))).toBe('allowlist');
    expect(dcrPolicy(production({}))).toBe('off');
    expect(dcrPolicy(production({ dcr: 'open' }))).toBe('open');
  });

  it('refuses "token" without a token, with a ConfigError that says what to set', () => {
    const config = resolveConfig({ publicUrl, authority: { registration: { dcr: 'token' } } });
    expect(() => dcrPolicy(config)).toThrow(ConfigError);
    expect(() => dcrPolicy(config)).toThrow(/authority\.registration\.initialAccessToken/);
  });

  it('maps to oidc-provider features.registration', () => {
    expect(registrationFeature(resolveConfig({ publicUrl, authority: { registration: { dcr: 'off' } } }))).toEqual({ enabled: false });
    expect(registrationFeature(resolveConfig({ publicUrl, authority: { registration: { dcr: 'token', initialAccessToken: 'a-long-initial-access-token' } } })))
      .toEqual({ enabled: true, initialAccessToken: 'a-long-initial-access-token', issueRegistrationAccessToken: false });
    expect(registrationFeature(resolveConfig({ publicUrl }))).toMatchObject({ enabled: true, initialAccessToken: false });
  });
});

describe('redirectHostAllowed (allowlist policy)', () => {
  const hosts = ['claude.ai', '*.vscode.dev', 'app.example.com:8443'];
  it.each([
    ['https://claude.ai/api/mcp/auth_callback', true],
    ['https://insiders.vscode.dev/redirect', true],
    ['https://vscode.dev/redirect', false],
    // A wildcard matches whole labels only: a look-alike that merely ends in the name is someone else's domain.
    ['https://evilvscode.dev/cb', false],
    ['https://a.b.vscode.dev/cb', true],
    ['https://.vscode.dev/cb', false],
    ['https://vscode.dev.evil.example/cb', false],
    ['https://app.example.com:8443/cb', true],
    ['https://app.example.com/cb', false],
    ['https://claude.ai.evil.example/cb', false],
    ['https://evilclaude.ai/cb', false],
    ['http://127.0.0.1:33418/', true],
    ['http://localhost/callback', true],
    ['http://[::1]:9/cb', true],
    ['cursor://anysphere.cursor-mcp/oauth/callback', true],
    ['http://claude.ai/cb', false],
  ])('%s → %s', (uri, allowed) => {
    expect(redirectHostAllowed(uri, hosts)).toBe(allowed);
  });
});

describe('inferApplicationType', () => {
  it.each([
    [['https://claude.ai/api/mcp/auth_callback'], 'web'],
    [['http://localhost:6274/oauth/callback'], 'native'],
    [['https://vscode.dev/redirect', 'http://127.0.0.1/'], 'native'],
    [['cursor://anysphere.cursor-mcp/oauth/callback', 'https://www.cursor.com/agents/mcp/oauth/callback'], 'native'],
    [[], 'web'],
  ] as const)('%j → %s', (uris, type) => {
    expect(inferApplicationType(uris)).toBe(type);
  });
});

describe('redirectUriMatches', () => {
  it.each([
    // exact
    ['https://claude.ai/api/mcp/auth_callback', 'https://claude.ai/api/mcp/auth_callback', true],
    ['cursor://anysphere.cursor-mcp/oauth/callback', 'cursor://anysphere.cursor-mcp/oauth/callback', true],
    ['https://claude.ai/api/mcp/auth_callback/', 'https://claude.ai/api/mcp/auth_callback', false],
    ['https://claude.ai:8443/api/mcp/auth_callback', 'https://claude.ai/api/mcp/auth_callback', false],
    // loopback: any port, same host, path and query
    ['http://127.0.0.1:51234/callback', 'http://127.0.0.1:33418/callback', true],
    ['http://127.0.0.1:51234/callback', 'http://127.0.0.1/callback', true],
    ['http://127.0.0.1:51234/', 'http://127.0.0.1/', true],
    ['http://127.0.0.1:51234', 'http://127.0.0.1/', true],
    ['http://[::1]:8080/cb', 'http://[::1]/cb', true],
    ['http://localhost:9999/callback', 'http://localhost:8787/callback', true],
    ['http://localhost:9999/callback?x=1', 'http://localhost/callback?x=1', true],
    // each loopback host is its own host
    ['http://localhost:9999/callback', 'http://127.0.0.1/callback', false],
    ['http://127.0.0.1:9999/callback', 'http://localhost/callback', false],
    ['http://[::1]:9999/callback', 'http://127.0.0.1/callback', false],
    // other path or query
    ['http://127.0.0.1:9999/other', 'http://127.0.0.1/callback', false],
    ['http://127.0.0.1:9999/callback/', 'http://127.0.0.1/callback', false],
    ['http://127.0.0.1:9999/callback?x=2', 'http://127.0.0.1/callback?x=1', false],
    ['http://127.0.0.1:9999/callback', 'http://127.0.0.1/callback?x=1', false],
    // unusual spellings of a loopback URI are not normalised into a match
    ['http://127.0.0.1:9999/a/../callback', 'http://127.0.0.1/callback', false],
    ['http://LOCALHOST:9999/callback', 'http://localhost/callback', false],
    ['http://user@127.0.0.1:9999/callback', 'http://127.0.0.1/callback', false],
    ['http://:secret@127.0.0.1:9999/callback', 'http://127.0.0.1/callback', false],
    // only the missing "/" of an empty path is forgiven, not a path that normalises to "/"
    ['http://127.0.0.1:9999/./', 'http://127.0.0.1/', false],
    ['http://127.0.0.1:9999/callback#x', 'http://127.0.0.1/callback', false],
    ['http://127.0.0.1:9999\\callback', 'http://127.0.0.1/callback', false],
    // https on loopback is not the RFC 8252 case
    ['https://127.0.0.1:9999/callback', 'https://127.0.0.1/callback', false],
  ])('%s against %s → %s', (requested, registered, matches) => {
    expect(redirectUriMatches(requested, registered)).toBe(matches);
  });
});

describe('cimdAllowsPrivateAddresses', () => {
  it('defaults to development only, and follows the setting', () => {
    expect(cimdAllowsPrivateAddresses(resolveConfig({ publicUrl }))).toBe(true);
    expect(cimdAllowsPrivateAddresses(resolveConfig({ publicUrl, authority: { env: 'production' } }))).toBe(false);
    expect(cimdAllowsPrivateAddresses(resolveConfig({ publicUrl, authority: { cimd: { allowPrivateAddresses: false } } }))).toBe(false);
  });
});

describe('configuredClients', () => {
  it('makes a client without secret or auth method public, and keeps the rest', () => {
    const config = resolveConfig({
      publicUrl,
      authority: {
        clients: [
          { client_id: 'cli', redirect_uris: ['http://127.0.0.1/cb'] },
          { client_id: 'machine', client_secret: 'a-secret-for-tests', grant_types: ['client_credentials'], redirect_uris: [], scope: 'mcp:tools' },
        ],
      },
    });
    const [cli, machine] = configuredClients(config);
    expect(cli).toMatchObject({ client_id: 'cli', token_endpoint_auth_method: 'none' });
    expect(machine).toMatchObject({ client_id: 'machine', client_secret: 'a-secret-for-tests' });
    expect(machine?.token_endpoint_auth_method).toBeUndefined();
    // Its scope names the resource's scopes: Gatehouse enforces it at the token endpoint, not oidc-provider.
    expect(machine).not.toHaveProperty('scope');
  });

  it('refuses a machine client (client_credentials) without a scope, naming it and the fix', () => {
    const config = resolveConfig({ publicUrl, authority: { clients: [{ client_id: 'robot', client_secret: 'a-secret-for-tests', grant_types: ['client_credentials'] }] } });
    expect(() => configuredClients(config)).toThrow(ConfigError);
    expect(() => configuredClients(config)).toThrow(/client "robot" has grant client_credentials but no scope: set its "scope"/);
  });

  it('refuses a client_id listed twice with a ConfigError naming it', () => {
    const config = resolveConfig({ publicUrl, authority: { clients: [{ client_id: 'twice' }, { client_id: 'twice' }] } });
    expect(() => configuredClients(config)).toThrow(ConfigError);
    expect(() => configuredClients(config)).toThrow(/client "twice" is listed twice/);
  });
});
