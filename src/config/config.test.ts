import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { configFromEnv } from './env.js';
import { loadConfigFile } from './load-file.js';
import { mergeConfig } from './merge.js';
import { resolveConfig } from './resolve.js';

const base = { issuer: 'https://idp.example.com/realms/main', publicUrl: 'https://mcp.example.com' };

describe('configFromEnv', () => {
  it('reads the env names users already know', () => {
    const input = configFromEnv({
      OAUTH_ISSUER_URL: 'https://idp.example.com',
      OAUTH_AUDIENCE: 'api://mcp',
      OAUTH_SCOPES: 'mcp:tools, mcp:read',
      OAUTH_TOOL_SCOPES: 'delete_file=files:write files:admin; report=reports:read',
      OAUTH_MIRROR_METADATA: 'true',
      OAUTH_OPENID_ALIAS: 'off',
      OAUTH_CLIENT_ID: 'public-client',
      OAUTH_CLOCK_TOLERANCE: '10',
      PUBLIC_URL: 'https://mcp.example.com',
      GATEHOUSE_MCP_PATH: '/api/mcp',
      UNRELATED: 'x',
    });
    expect(input).toEqual({
      issuer: 'https://idp.example.com',
      audience: 'api://mcp',
      scopes: { required: ['mcp:tools', 'mcp:read'], tools: { delete_file: ['files:write', 'files:admin'], report: ['reports:read'] } },
      mirrorMetadata: true,
      openidAlias: false,
      registration: { clientId: 'public-client' },
      jwt: { clockToleranceSec: 10 },
      publicUrl: 'https://mcp.example.com',
      path: '/api/mcp',
    });
  });

  it('accepts tool scopes as JSON and several audiences', () => {
    const input = configFromEnv({ OAUTH_TOOL_SCOPES: '{"a":["x"]}', OAUTH_AUDIENCE: 'one two' });
    expect(input.scopes?.tools).toEqual({ a: ['x'] });
    expect(input.audience).toEqual(['one', 'two']);
  });

  it('skips empty variables so defaults still apply', () => {
    expect(configFromEnv({ OAUTH_ISSUER_URL: '  ', PUBLIC_URL: '' })).toEqual({});
  });

  it.each([
    ['OAUTH_MIRROR_METADATA', 'maybe', /OAUTH_MIRROR_METADATA="maybe" is not a boolean/],
    ['OAUTH_CLOCK_TOLERANCE', 'ten', /OAUTH_CLOCK_TOLERANCE="ten" is not a number/],
    ['OAUTH_METADATA_OVERRIDES', '{nope', /OAUTH_METADATA_OVERRIDES is not valid JSON/],
    ['OAUTH_TOOL_SCOPES', 'no-equals-sign', /tool=scope1 scope2/],
  ])('names the variable when %s=%s is wrong', (name, value, message) => {
    expect(() => configFromEnv({ [name]: value })).toThrow(message);
  });
});

describe('resolveConfig', () => {
  it('fills defaults', () => {
    const config = resolveConfig(base);
    expect(config.path).toBe('/mcp');
    expect(config.jwt.algorithms).not.toContain('none');
    expect(config.jwt.algorithms.some((a) => a.startsWith('HS'))).toBe(false);
    expect(config.jwt.clockToleranceSec).toBe(30);
    expect(config.scopes).toEqual({ required: [], tools: {} });
    expect(config.mirrorMetadata).toBe(false);
  });

  it('chooses the mode from the issuer, and says what is missing for each', () => {
    expect(resolveConfig(base).mode).toBe('resource-server');
    expect(() => resolveConfig({ mode: 'resource-server', publicUrl: 'https://mcp.example.com' })).toThrow(
      /issuer \(OAUTH_ISSUER_URL\) is required in resource-server mode\. Set OAUTH_ISSUER_URL/,
    );
    const authority = resolveConfig({ publicUrl: 'https://mcp.example.com/base/' });
    expect(authority.mode).toBe('authority');
    expect(authority.issuer).toBe('https://mcp.example.com');
    expect(authority.authority).toMatchObject({ env: 'development', stateDir: '.gatehouse', store: 'file', routePrefix: '/oauth' });
    expect(() => resolveConfig({})).toThrow(/PUBLIC_URL\) is required when Gatehouse is the authorization server/);
    expect(() => resolveConfig({ mode: 'authority', issuer: 'https://idp.example.com', publicUrl: 'https://mcp.example.com' })).toThrow(
      /Gatehouse's issuer is the origin of PUBLIC_URL/,
    );
  });

  it('lists every wrong setting with its env var', () => {
    try {
      resolveConfig({ issuer: 'not a url', publicUrl: 'ftp://x', path: 'mcp', jwt: { algorithms: ['HS256' as 'RS256'] } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toMatch(/issuer \(OAUTH_ISSUER_URL\): "not a url" is not an absolute URL/);
      expect(message).toMatch(/publicUrl \(PUBLIC_URL\): .*must use http: or https:/);
      expect(message).toMatch(/path \(GATEHOUSE_MCP_PATH\): path must start with "\/"/);
      expect(message).toMatch(/jwt\.algorithms\.0 \(OAUTH_ALGORITHMS\)/);
      expect((err as ConfigError).code).toBe('ERR_CONFIG_INVALID');
    }
  });

  it('tells a wrong type from a missing setting', () => {
    expect(() => resolveConfig({ ...base, issuer: 5 as unknown as string })).toThrow(/issuer \(OAUTH_ISSUER_URL\): .*must be a URL string \(got number\)/);
    expect(() => resolveConfig({ ...base, trustProxy: 'yes' as unknown as boolean })).toThrow(/trustProxy \(GATEHOUSE_TRUST_PROXY\): .*\(got string\)/);
    const misplaced = { ...base, introspection: [{ clientId: 'gh', clientSecret: 'hunter2-secret' }] } as unknown as Parameters<typeof resolveConfig>[0];
    expect(() => resolveConfig(misplaced)).toThrow(/introspection.*\(got an array\)/);
    expect(() => resolveConfig(misplaced)).not.toThrow(/hunter2/);
  });

  it('needs a public URL, which GATEHOUSE_TRUST_PROXY does not replace (URLs never come from forwarded headers)', () => {
    expect(() => resolveConfig({ issuer: base.issuer })).toThrow(/PUBLIC_URL\) is required/);
    expect(() => resolveConfig({ issuer: base.issuer, trustProxy: true })).toThrow(/PUBLIC_URL\) is required.*GATEHOUSE_TRUST_PROXY does not replace it/s);
    expect(resolveConfig({ ...base, trustProxy: true }).trustProxy).toBe(true);
  });

  it('refuses scopes with spaces or quotes', () => {
    expect(() => resolveConfig({ ...base, scopes: { required: ['a b'] } })).toThrow(/scopes\.required\.0 \(OAUTH_SCOPES\)/);
  });
});

describe('config layers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a JSON file and lets later layers win', async () => {
    const file = join(dir, 'gatehouse.config.json');
    await writeFile(file, JSON.stringify({ issuer: 'https://file.example.com', scopes: { required: ['a'], tools: { t: ['b'] } } }));
    const merged = mergeConfig(await loadConfigFile(file), configFromEnv({ OAUTH_SCOPES: 'c' }), { publicUrl: 'https://mcp.example.com' });
    expect(resolveConfig(merged)).toMatchObject({
      issuer: 'https://file.example.com',
      scopes: { required: ['c'], tools: { t: ['b'] } },
      publicUrl: 'https://mcp.example.com',
    });
  });

  it('explains an unreadable or invalid file', async () => {
    await expect(loadConfigFile(join(dir, 'missing.json'))).rejects.toThrow(/Cannot read config file .*missing\.json/);
    await writeFile(join(dir, 'bad.json'), '{ issuer: ');
    await expect(loadConfigFile(join(dir, 'bad.json'))).rejects.toThrow(/is not valid JSON/);
    await writeFile(join(dir, 'array.json'), '[]');
    await expect(loadConfigFile(join(dir, 'array.json'))).rejects.toThrow(/must hold a JSON object/);
  });
});

describe('an issuer pasted as its discovery document URL', () => {
  const pasted = [
    ['https://idp.example.com/realms/main/.well-known/openid-configuration', '/.well-known/openid-configuration', 'https://idp.example.com/realms/main'],
    ['https://idp.example.com/realms/main/.well-known/openid-configuration/', '/.well-known/openid-configuration', 'https://idp.example.com/realms/main'],
    ['https://idp.example.com/.well-known/oauth-authorization-server/tenant-1', '/.well-known/oauth-authorization-server', 'https://idp.example.com/tenant-1'],
    ['https://idp.example.com/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server', 'https://idp.example.com'],
  ] as const;

  it.each(pasted)('%s is refused with the issuer to use instead', (issuer, suffix, meant) => {
    expect(() => resolveConfig({ ...base, issuer })).toThrow(`issuer (OAUTH_ISSUER_URL): "${issuer}" is the URL of the issuer's discovery document, not the issuer: drop ${suffix} and use "${meant}"`);
  });

  it('accepts issuers that merely contain the words', () => {
    expect(resolveConfig({ ...base, issuer: 'https://idp.example.com/realms/openid-configuration' }).issuer).toBe('https://idp.example.com/realms/openid-configuration');
    expect(resolveConfig({ ...base, issuer: 'https://well-known.example.com/realms/main' }).issuer).toBe('https://well-known.example.com/realms/main');
  });
});
