import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import type { ConfigLayer } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { checkGuardRails, printWarnings } from './guard-rails.js';

function config(layer: ConfigLayer = {}) {
  return resolveConfig({ publicUrl: 'http://localhost:3000', ...layer });
}

const PRODUCTION_SAFE: ConfigLayer = {
  publicUrl: 'https://mcp.example.com',
  authority: { env: 'production', registration: { allowedRedirectHosts: ['claude.ai'] } },
};

describe('checkGuardRails in production', () => {
  it('starts with an https public URL, the file store, no dev sign-in and a DCR policy', () => {
    expect(checkGuardRails(config(PRODUCTION_SAFE))).toEqual([]);
  });

  it.each<[string, ConfigLayer, boolean, RegExp]>([
    ['dev sign-in', { authority: { env: 'production', devLogin: true } }, false, /development sign-in is on.*gatehouse users add/],
    ['no PUBLIC_URL', {}, true, /PUBLIC_URL is not set: set it to the https URL/],
    ['an http issuer off loopback', { publicUrl: 'http://mcp.example.com' }, false, /uses http: .*Serve it over https/],
    ['the memory store', { authority: { env: 'production', store: 'memory' } }, false, /memory store loses every session.*GATEHOUSE_STORE=file/],
    ['a trusted proxy without PUBLIC_URL', { trustProxy: true }, true, /GATEHOUSE_TRUST_PROXY is on but PUBLIC_URL is not set: .*Set PUBLIC_URL to the https URL/],
    ['a trusted proxy with an http PUBLIC_URL on loopback', { trustProxy: true, publicUrl: 'http://127.0.0.1:8080' }, false, /GATEHOUSE_TRUST_PROXY is on but PUBLIC_URL http:\/\/127\.0\.0\.1:8080 uses http: .*not be Secure/],
  ])('refuses %s, saying how to fix it', (_name, layer, publicUrlDefaulted, message) => {
    const merged = resolveConfig({
      ...PRODUCTION_SAFE,
      ...layer,
      authority: { ...PRODUCTION_SAFE.authority, ...layer.authority },
    });
    let error: unknown;
    try {
      checkGuardRails(merged, { publicUrlDefaulted });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^Gatehouse will not start in production mode/);
    expect((error as Error).message).toMatch(message);
  });

  it('accepts http on loopback (a production build tried on one machine)', () => {
    expect(() => checkGuardRails(resolveConfig({ ...PRODUCTION_SAFE, publicUrl: 'http://127.0.0.1:8080' }))).not.toThrow();
  });

  it('lists every refused setting at once', () => {
    const bad = resolveConfig({ publicUrl: 'http://mcp.example.com', authority: { env: 'production', devLogin: true, store: 'memory' } });
    expect(() => checkGuardRails(bad, { publicUrlDefaulted: true })).toThrow(/dev.*\n.*PUBLIC_URL.*\n.*http.*\n.*memory/s);
  });
});

describe('checkGuardRails in development', () => {
  it('names every insecure setting of the zero-config demo', () => {
    const warnings = checkGuardRails(config({ authority: { store: 'memory' } }), { publicUrlDefaulted: true });
    expect(warnings).toEqual([
      expect.stringMatching(/development sign-in is on/),
      expect.stringMatching(/registration is open/),
      expect.stringMatching(/http \(fine on this machine/),
      expect.stringMatching(/private and loopback addresses/),
      expect.stringMatching(/memory store/),
    ]);
  });

  it('warns about a trusted proxy in front of an http PUBLIC_URL', () => {
    expect(checkGuardRails(config({ trustProxy: true }))).toContainEqual(expect.stringMatching(/GATEHOUSE_TRUST_PROXY is on with an http PUBLIC_URL: .*not Secure/));
    expect(checkGuardRails(config({ trustProxy: true, publicUrl: 'https://mcp.example.com' }))).not.toContainEqual(expect.stringMatching(/TRUST_PROXY/));
  });

  it('says nothing when the development setup is locked down', () => {
    const locked = config({
      publicUrl: 'https://mcp.example.com',
      authority: { devLogin: false, registration: { dcr: 'off' }, cimd: { allowPrivateAddresses: false } },
    });
    expect(checkGuardRails(locked)).toEqual([]);
  });
});

describe('printWarnings', () => {
  it('writes one prefixed line per warning', () => {
    const lines: string[] = [];
    printWarnings(['a', 'b'], (line) => lines.push(line));
    expect(lines).toEqual(['gatehouse WARNING: a', 'gatehouse WARNING: b']);
  });
});
