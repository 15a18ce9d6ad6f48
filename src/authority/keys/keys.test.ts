import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, InvalidTokenError } from '../../errors.js';
import { createJwtVerifier } from '../../tokens/jwt-verifier.js';
import { listKeys, loadOrCreateKeys, rotateKeys } from './load.js';
import { KEY_REFRESH_SEC } from './state.js';
import { activeSigningKey, type AuthorityKeys } from './key-set.js';
import type { SigningAlgorithm } from './key-file.js';

const ALL: SigningAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];
const POSIX = process.platform !== 'win32';
let root: string;
let count = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gatehouse-keys-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A state directory that does not exist yet. */
function freshDir(): string {
  count += 1;
  return join(root, `state-${count}`, '.gatehouse');
}

function warnings(): { warn: (m: string) => void; messages: string[] } {
  const messages: string[] = [];
  return { warn: (m) => void messages.push(m), messages };
}

async function fileOf(stateDir: string): Promise<{ keys: { jwk: JWK; retiredAt?: number; unusedSince?: number }[] }> {
  return JSON.parse(await readFile(join(stateDir, 'keys.json'), 'utf8'));
}

const kidsOf = (keys: AuthorityKeys) => keys.jwks.keys.map((k) => k.kid);

/** Signs with `keys`' key of `alg` (the one with `kid` if given); the header names `headerKid`, by default that kid. */
async function sign(keys: AuthorityKeys, alg: string, kid?: string, headerKid = kid): Promise<string> {
  const jwk = keys.jwks.keys.find((k) => k.alg === alg && (kid === undefined || k.kid === kid));
  if (!jwk) throw new Error(`no ${alg} key`);
  const header = { alg, typ: 'at+jwt', ...(headerKid === undefined ? {} : { kid: headerKid }) };
  return new SignJWT({ sub: 'alice' })
    .setProtectedHeader(header)
    .setIssuer('https://as.example.com')
    .setAudience('https://mcp.example.com/mcp')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(await importJWK(jwk as JWK, alg));
}

function verifierOf(keys: AuthorityKeys) {
  return createJwtVerifier({
    issuer: () => 'https://as.example.com',
    keys: keys.keySource,
    algorithms: ALL,
    clockToleranceSec: 30,
    requireAccessTokenType: true,
    maxTokenBytes: 16_384,
  });
}

const context = { resource: 'https://mcp.example.com/mcp', audience: ['https://mcp.example.com/mcp'] };

describe('loadOrCreateKeys', () => {
  it('generates one key per algorithm on first start and reads the same keys on the next', async () => {
    const stateDir = freshDir();
    const first = await loadOrCreateKeys({ stateDir, algorithms: ALL });
    expect(first.jwks.keys.map((k) => [k.alg, k.kty, k.use])).toEqual([
      ['RS256', 'RSA', 'sig'],
      ['ES256', 'EC', 'sig'],
      ['EdDSA', 'OKP', 'sig'],
    ]);
    expect(first.jwks.keys[1]!.crv).toBe('P-256');
    expect(first.jwks.keys[2]!.crv).toBe('Ed25519');
    expect(Buffer.from(first.jwks.keys[0]!.n!, 'base64url').length * 8).toBe(2048);
    expect(new Set(kidsOf(first)).size).toBe(3);
    expect(first.algorithms).toEqual(ALL);

    const second = await loadOrCreateKeys({ stateDir, algorithms: ALL });
    expect(kidsOf(second)).toEqual(kidsOf(first));
    expect(second.jwks.keys[0]!.d).toBe(first.jwks.keys[0]!.d);
  });

  it('keeps private parts out of the published set and bookkeeping out of both', async () => {
    const keys = await loadOrCreateKeys({ stateDir: freshDir(), algorithms: ALL });
    for (const jwk of keys.publicJwks.keys) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwk).not.toHaveProperty(member);
      expect(Object.keys(jwk)).not.toContain('retiredAt');
    }
    expect(keys.publicJwks.keys.map((k) => k.kid)).toEqual(kidsOf(keys));
    for (const jwk of keys.jwks.keys) expect(Object.keys(jwk)).not.toContain('createdAt');
  });

  it.runIf(POSIX)('creates the directory 0700 and the file 0600', async () => {
    const stateDir = freshDir();
    await loadOrCreateKeys({ stateDir, algorithms: ['ES256'] });
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(stateDir, 'keys.json'))).mode & 0o777).toBe(0o600);
    // No temp file left behind.
    expect(await readdir(stateDir)).toEqual(['keys.json']);
  });

  it.runIf(POSIX)('warns when the key file is readable by others', async () => {
    const stateDir = freshDir();
    await loadOrCreateKeys({ stateDir, algorithms: ['ES256'] });
    await chmod(join(stateDir, 'keys.json'), 0o644);
    const { warn, messages } = warnings();
    await loadOrCreateKeys({ stateDir, algorithms: ['ES256'], warn });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/keys\.json has mode 0644.*chmod 600/);
  });

  it('refuses to start on a corrupt key file and leaves it alone', async () => {
    const cases = ['{"version":1,"keys":[', '{"version":2,"keys":[]}', '{"version":1,"keys":[{"jwk":{"kty":"EC","kid":"a","alg":"RS256","use":"sig","d":"x"},"createdAt":1}]}', ''];
    for (const content of cases) {
      const stateDir = freshDir();
      await mkdir(stateDir, { recursive: true });
      await writeFile(join(stateDir, 'keys.json'), content);
      const err = await loadOrCreateKeys({ stateDir, algorithms: ALL }).catch((e: unknown) => e);
      expect(err, content).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/keys\.json cannot be used: .*will not replace it.*Restore it from a backup, or delete it/);
      expect(await readFile(join(stateDir, 'keys.json'), 'utf8')).toBe(content);
    }
  });

  it('names a key of the wrong type for its algorithm', async () => {
    const stateDir = freshDir();
    await mkdir(stateDir, { recursive: true });
    await writeFile(join(stateDir, 'keys.json'), JSON.stringify({ version: 1, keys: [{ jwk: { kty: 'EC', crv: 'P-256', kid: 'a', alg: 'RS256', use: 'sig', d: 'AQAB' }, createdAt: 1 }] }));
    await expect(loadOrCreateKeys({ stateDir, algorithms: ALL })).rejects.toThrow(/a RS256 key must be RSA/);
  });

  it('refuses key material that does not import', async () => {
    const stateDir = freshDir();
    await loadOrCreateKeys({ stateDir, algorithms: ['ES256'] });
    const file = await fileOf(stateDir);
    file.keys[0]!.jwk.x = 'AAAA';
    await writeFile(join(stateDir, 'keys.json'), JSON.stringify(file));
    await expect(loadOrCreateKeys({ stateDir, algorithms: ['ES256'] })).rejects.toThrow(/keys\.json cannot be used: the key ".+" is not a usable ES256 key/);
  });

  it('refuses to start when the key file cannot be read', async () => {
    const stateDir = freshDir();
    await mkdir(join(stateDir, 'keys.json'), { recursive: true });
    await expect(loadOrCreateKeys({ stateDir, algorithms: ALL })).rejects.toThrow(/Cannot read the signing key file .*keys\.json.*will not replace it/);
  });

  it('refuses unknown or repeated algorithms', async () => {
    await expect(loadOrCreateKeys({ stateDir: freshDir(), algorithms: ['HS256' as SigningAlgorithm] })).rejects.toThrow(/unknown: HS256/);
    await expect(loadOrCreateKeys({ stateDir: freshDir(), algorithms: ['RS256', 'RS256'] })).rejects.toThrow(ConfigError);
    await expect(loadOrCreateKeys({ stateDir: freshDir(), algorithms: [] })).rejects.toThrow(ConfigError);
  });

  it('writes nothing with persist: false', async () => {
    const stateDir = freshDir();
    const a = await loadOrCreateKeys({ stateDir, algorithms: ['EdDSA'], persist: false });
    const b = await loadOrCreateKeys({ stateDir, algorithms: ['EdDSA'], persist: false });
    expect(kidsOf(a)).not.toEqual(kidsOf(b));
    await expect(stat(stateDir)).rejects.toThrow(/ENOENT/);
  });

  it('makes one key set when two servers start at once', async () => {
    const stateDir = freshDir();
    const [a, b] = await Promise.all([loadOrCreateKeys({ stateDir, algorithms: ALL }), loadOrCreateKeys({ stateDir, algorithms: ALL })]);
    expect(kidsOf(a)).toEqual(kidsOf(b));
    expect(kidsOf(await loadOrCreateKeys({ stateDir, algorithms: ALL }))).toEqual(kidsOf(a));
  });

  it('adds a key for a newly configured algorithm and keeps the keys of a dropped one on file', async () => {
    const stateDir = freshDir();
    const rsOnly = await loadOrCreateKeys({ stateDir, algorithms: ['RS256'] });
    const both = await loadOrCreateKeys({ stateDir, algorithms: ['ES256', 'RS256'] });
    expect(both.jwks.keys.map((k) => k.alg)).toEqual(['ES256', 'RS256']);
    expect(both.jwks.keys[1]!.kid).toBe(rsOnly.jwks.keys[0]!.kid);
    const esOnly = await loadOrCreateKeys({ stateDir, algorithms: ['ES256'] });
    expect(kidsOf(esOnly)).toEqual([both.jwks.keys[0]!.kid]);
    expect((await fileOf(stateDir)).keys).toHaveLength(2);
  });
});

describe('keySource', () => {
  let keys: AuthorityKeys;
  beforeAll(async () => {
    keys = await loadOrCreateKeys({ stateDir: freshDir(), algorithms: ALL });
  });

  it.each(ALL)('verifies a %s token signed by the key, by kid', async (alg) => {
    const kid = keys.jwks.keys.find((k) => k.alg === alg)!.kid;
    const info = await verifierOf(keys).verify(await sign(keys, alg, kid), context);
    expect(info.extra?.sub).toBe('alice');
    expect(info.resource?.href).toBe('https://mcp.example.com/mcp');
  });

  it('tries every key of the algorithm when the token has no kid', async () => {
    const source = keys.keySource;
    expect(await source.getKeys({ alg: 'ES256' })).toHaveLength(1);
    await expect(verifierOf(keys).verify(await sign(keys, 'ES256'), context)).resolves.toBeDefined();
  });

  it('answers an unknown kid or a forged signature with InvalidTokenError', async () => {
    const err = await keys.keySource.getKeys({ alg: 'RS256', kid: 'not-ours' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect((err as InvalidTokenError).code).toBe('ERR_JWKS_NO_MATCHING_KEY');

    const other = await loadOrCreateKeys({ stateDir: freshDir(), algorithms: ['ES256'], persist: false });
    const forged = await sign(other, 'ES256', undefined, keys.jwks.keys.find((k) => k.alg === 'ES256')!.kid);
    const failure = await verifierOf(keys).verify(forged, context).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InvalidTokenError);
    expect((failure as InvalidTokenError).code).toBe('ERR_JWS_SIGNATURE_INVALID');
  });
});

describe('rotateKeys', () => {
  const HOUR = 3600;
  const T0 = 1_700_000_000;
  const clock = (seconds: number) => () => seconds * 1000;

  it('puts a new key in front and keeps the old one published, retiring', async () => {
    const stateDir = freshDir();
    const before = await loadOrCreateKeys({ stateDir, algorithms: ['RS256', 'ES256'], now: clock(T0) });
    const result = await rotateKeys({ stateDir, algorithms: ['RS256', 'ES256'], retainSec: HOUR, now: clock(T0 + 60) });
    expect(result.retired.map((k) => k.kid)).toEqual(kidsOf(before));
    expect(result.retired.every((k) => k.status === 'retiring' && k.retiredAt === T0 + 60 && k.retainSec === HOUR)).toBe(true);
    expect(result.added.map((k) => k.alg)).toEqual(['RS256', 'ES256']);
    expect(result.pruned).toEqual([]);

    const after = await loadOrCreateKeys({ stateDir, algorithms: ['RS256', 'ES256'], now: clock(T0 + 120) });
    expect(kidsOf(after).slice(0, 2)).toEqual(result.added.map((k) => k.kid));
    expect(new Set(kidsOf(after).slice(2))).toEqual(new Set(kidsOf(before)));
    expect(after.info.slice(2).every((k) => k.status === 'retiring' && k.publishedUntil === T0 + 120 + HOUR)).toBe(true);

    // A token the old key signed before the rotation still verifies.
    const oldToken = await sign(before, 'RS256', before.jwks.keys[0]!.kid);
    await expect(verifierOf(after).verify(oldToken, context)).resolves.toBeDefined();
  });

  it('prunes retired keys once nothing has signed with them for retainSec', async () => {
    const stateDir = freshDir();
    const algorithms: SigningAlgorithm[] = ['EdDSA'];
    const original = await loadOrCreateKeys({ stateDir, algorithms, now: clock(T0) });
    const oldKid = kidsOf(original)[0]!;
    await rotateKeys({ stateDir, algorithms, retainSec: HOUR, now: clock(T0 + 10) });

    // Running servers stop signing with it within one key refresh, so the retention clock starts then.
    const unused = T0 + 10 + KEY_REFRESH_SEC;
    const listed = await listKeys({ stateDir, now: clock(T0 + 20) });
    expect(listed?.find((k) => k.kid === oldKid)).toMatchObject({ status: 'retiring', retiredAt: T0 + 10, publishedUntil: unused + HOUR });

    expect(kidsOf(await loadOrCreateKeys({ stateDir, algorithms, now: clock(T0 + 100) }))).toContain(oldKid);
    expect((await fileOf(stateDir)).keys.find((k) => k.jwk.kid === oldKid)?.unusedSince).toBe(unused);
    expect(kidsOf(await loadOrCreateKeys({ stateDir, algorithms, now: clock(unused + HOUR - 1) }))).toContain(oldKid);

    const later = await loadOrCreateKeys({ stateDir, algorithms, now: clock(unused + HOUR) });
    expect(kidsOf(later)).not.toContain(oldKid);
    expect(kidsOf(later)).toHaveLength(1);
    expect((await fileOf(stateDir)).keys).toHaveLength(1);
  });

  it('prunes on rotate too, and reports it', async () => {
    const stateDir = freshDir();
    const algorithms: SigningAlgorithm[] = ['ES256'];
    const first = await loadOrCreateKeys({ stateDir, algorithms, now: clock(T0) });
    await rotateKeys({ stateDir, algorithms, retainSec: 60, now: clock(T0 + 1) });
    await loadOrCreateKeys({ stateDir, algorithms, now: clock(T0 + 2) });
    const second = await rotateKeys({ stateDir, algorithms, retainSec: 60, now: clock(T0 + 1000) });
    expect(second.pruned.map((k) => k.kid)).toEqual(kidsOf(first));
    expect(second.keys.map((k) => k.status)).toEqual(['active', 'retiring']);
  });

  it('creates keys when there are none yet, and refuses a negative retention', async () => {
    const stateDir = freshDir();
    const result = await rotateKeys({ stateDir, algorithms: ['ES256'], retainSec: HOUR });
    expect(result.added).toHaveLength(1);
    expect(result.retired).toEqual([]);
    expect(kidsOf(await loadOrCreateKeys({ stateDir, algorithms: ['ES256'] }))).toEqual([result.added[0]!.kid]);
    await expect(rotateKeys({ stateDir, algorithms: ['ES256'], retainSec: -1 })).rejects.toThrow(ConfigError);
  });

  it('lists nothing before the first start', async () => {
    expect(await listKeys({ stateDir: freshDir() })).toBeUndefined();
  });
});

describe('activeSigningKey', () => {
  it('is the new key of the asked algorithm after a rotation, else the first configured one', async () => {
    const stateDir = freshDir();
    await loadOrCreateKeys({ stateDir, algorithms: ['RS256', 'ES256'], now: () => 1_700_000_000_000 });
    const { added } = await rotateKeys({ stateDir, algorithms: ['RS256', 'ES256'], retainSec: 3600, now: () => 1_700_000_060_000 });
    const keys = await loadOrCreateKeys({ stateDir, algorithms: ['RS256', 'ES256'], now: () => 1_700_000_120_000 });
    const newKid = (alg: SigningAlgorithm) => added.find((k) => k.alg === alg)?.kid;

    expect(activeSigningKey(keys, 'ES256').kid).toBe(newKid('ES256'));
    expect(activeSigningKey(keys).kid).toBe(newKid('RS256'));
    expect(activeSigningKey(keys, 'EdDSA').kid).toBe(newKid('RS256'));
  });
});
