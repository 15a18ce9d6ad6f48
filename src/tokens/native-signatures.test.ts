/**
 * The native signature path (node:crypto) against jose's (Web Crypto): the
 * same corpus of good and bad tokens through both verifiers must give the
 * same AuthInfo or the same error, code and message alike.
 */
import { generateKeyPairSync } from 'node:crypto';
import { base64url, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWSHeaderParameters, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier, type KeySource } from './jwt-verifier.js';
import { nativeSignatureCheck } from './native-signatures.js';
import type { VerifyContext } from './types.js';

const ISSUER = 'https://idp.example.com';
const RESOURCE = 'https://mcp.example.com/mcp';
const context: VerifyContext = { resource: RESOURCE, audience: [RESOURCE] };
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

interface Signer {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/** Keys by kid; a token without kid gets every key of its algorithm, as a JWKS cache selects them (the verifier then tries each). */
class Keys implements KeySource {
  constructor(private readonly signers: Signer[]) {}
  async getKeys(header: JWSHeaderParameters): Promise<CryptoKey[]> {
    const matching = this.signers.filter((s) => (header.kid === undefined ? s.alg === header.alg : s.kid === header.kid));
    return matching.map((s) => s.publicKey);
  }
}

const now = () => Math.floor(Date.now() / 1000);
const part = (json: unknown) => base64url.encode(JSON.stringify(json));
const claims = (extra: JWTPayload = {}): JWTPayload => ({ iss: ISSUER, aud: RESOURCE, sub: 'ada', scope: 'mcp:tools', client_id: 'c1', exp: now() + 600, iat: now(), ...extra });

function flip(text: string, at: number): string {
  const chars = text.split('');
  chars[at] = chars[at] === 'A' ? 'B' : 'A';
  return chars.join('');
}

async function sign(signer: Signer, payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'at+jwt', ...header } as { alg: string }).sign(signer.privateKey);
}

/** Web Crypto's parameters for signing under each JWS algorithm. */
function signParams(alg: string): AlgorithmIdentifier | RsaPssParams | EcdsaParams {
  const bits = alg.slice(2);
  if (alg.startsWith('PS')) return { name: 'RSA-PSS', saltLength: Number(bits) / 8 };
  if (alg.startsWith('ES')) return { name: 'ECDSA', hash: `SHA-${bits}` };
  if (alg === 'EdDSA') return { name: 'Ed25519' };
  return { name: 'RSASSA-PKCS1-v1_5' };
}

/** A token whose header and payload parts are written by hand and signed as they are (jose's signers refuse odd headers). */
async function signRaw(signer: Signer, header: string, payload: string): Promise<string> {
  const input = new TextEncoder().encode(`${header}.${payload}`);
  const signature = new Uint8Array(await crypto.subtle.sign(signParams(signer.alg), signer.privateKey, input));
  return `${header}.${payload}.${base64url.encode(signature)}`;
}

let signers: Signer[];
let weakRsa: Signer;
let corpus: { name: string; token: string }[];
/** Headers and claims the native path reads itself (jwt-parts.ts) where jose reads them on the other path. */
let readingCorpus: { name: string; token: string }[];

beforeAll(async () => {
  signers = await Promise.all(
    ALGORITHMS.map(async (alg, i) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      return { alg, kid: `k${i}`, privateKey, publicKey };
    }),
  );
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  weakRsa = {
    alg: 'RS256',
    kid: 'weak',
    privateKey: (await importJWK(weak.privateKey.export({ format: 'jwk' }) as never, 'RS256')) as CryptoKey,
    publicKey: (await importJWK(weak.publicKey.export({ format: 'jwk' }) as never, 'RS256')) as CryptoKey,
  };
  const stranger = await generateKeyPair('RS256', { extractable: true });
  corpus = [];
  readingCorpus = [];
  for (const signer of signers) {
    const good = await sign(signer, claims());
    const [h, p, s] = good.split('.') as [string, string, string];
    const otherKey = { ...signer, privateKey: (await generateKeyPair(signer.alg)).privateKey };
    const rows: [string, string | (() => Promise<string>)][] = [
      ['good', good],
      ['good, no kid (every key tried)', () => sign(signer, claims(), { kid: undefined })],
      ['flipped signature byte', `${h}.${p}.${flip(s, 5)}`],
      ['flipped payload byte', `${h}.${flip(p, 10)}.${s}`],
      ['truncated signature', `${h}.${p}.${s.slice(0, -4)}`],
      ['signature of length 1 mod 4', `${h}.${p}.${s}A`],
      ['empty signature', `${h}.${p}.`],
      ['signed by another key with the same kid', () => sign(otherKey, claims())],
      ['expired', () => sign(signer, claims({ exp: now() - 3600 }))],
      ['not yet valid', () => sign(signer, claims({ nbf: now() + 3600 }))],
      ['issued in the future', () => sign(signer, claims({ iat: now() + 3600 }))],
      ['no exp', () => sign(signer, claims({ exp: undefined }))],
      ['foreign issuer', () => sign(signer, claims({ iss: 'https://evil.example.com' }))],
      ['foreign audience', () => sign(signer, claims({ aud: 'https://other.example.com/mcp' }))],
      ['audience list with ours', () => sign(signer, claims({ aud: ['https://other.example.com', RESOURCE] }))],
      ['sender-constrained (cnf)', () => sign(signer, claims({ cnf: { jkt: 'x' } }))],
      ['crit header', () => signRaw(signer, part({ alg: signer.alg, kid: signer.kid, crit: ['exp'], exp: 1 }), p)],
      ['b64 false header', () => signRaw(signer, part({ alg: signer.alg, kid: signer.kid, b64: false, crit: ['b64'] }), p)],
      ['payload not JSON', () => signRaw(signer, h, base64url.encode('not json'))],
      ['payload an array', () => signRaw(signer, h, part([1, 2]))],
      ['exp a string', () => sign(signer, claims({ exp: 'tomorrow' as unknown as number }))],
    ];
    for (const [name, token] of rows) corpus.push({ name: `${signer.alg}: ${name}`, token: typeof token === 'string' ? token : await token() });
    const readingRows: [string, () => Promise<string>][] = [
      ['iat a string', () => sign(signer, claims({ iat: 'now' as unknown as number }))],
      ['nbf a string', () => sign(signer, claims({ nbf: 'soon' as unknown as number }))],
      ['iss missing', () => sign(signer, claims({ iss: undefined }))],
      ['iss a number', () => sign(signer, claims({ iss: 42 as unknown as string }))],
      ['aud missing', () => sign(signer, claims({ aud: undefined }))],
      ['aud a number', () => sign(signer, claims({ aud: 7 as unknown as string }))],
      ['aud list without ours', () => sign(signer, claims({ aud: ['https://a.example', 3] as unknown as string[] }))],
      ['payload JSON null', () => signRaw(signer, h, base64url.encode('null'))],
      ['payload of length 1 mod 4', () => signRaw(signer, h, `${p.slice(0, p.length - (p.length % 4))}AAAAA`)],
      ['payload not UTF-8', () => signRaw(signer, h, base64url.encode(new Uint8Array([0x7b, 0xff, 0x7d])))],
      ['payload with a BOM', () => signRaw(signer, h, base64url.encode(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(claims()))])))],
      ['header an array', () => signRaw(signer, part([signer.alg]), p)],
      ['header not UTF-8', () => signRaw(signer, base64url.encode(new Uint8Array([0x7b, 0xff, 0x7d])), p)],
      ['header with a BOM', () => signRaw(signer, base64url.encode(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify({ alg: signer.alg, kid: signer.kid }))])), p)],
      ['header of length 1 mod 4', () => signRaw(signer, `${part({ alg: signer.alg, kid: signer.kid }).replace(/=+$/, '')}AAAAA`.slice(0, 4 * 5 + 1), p)],
      ['kid a number', () => signRaw(signer, part({ alg: signer.alg, kid: 3 }), p)],
    ];
    for (const [name, token] of readingRows) readingCorpus.push({ name: `${signer.alg}: ${name}`, token: await token() });
  }
  const rsa = signers[0]!;
  const es = signers.find((s) => s.alg === 'ES256')!;
  // A header naming another algorithm than the key's: jose's own error either way.
  corpus.push({ name: 'ES256 header with an RSA kid', token: await signRaw(es, part({ alg: 'ES256', kid: rsa.kid }), part(claims())) });
  corpus.push({ name: 'PS256 header with an RS256 key', token: await signRaw(signers.find((s) => s.alg === 'PS256')!, part({ alg: 'PS256', kid: rsa.kid }), part(claims())) });
  corpus.push({ name: 'RSA key of 1024 bits', token: await signRaw(weakRsa, part({ alg: 'RS256', kid: weakRsa.kid }), part(claims())) });
  corpus.push({ name: 'unknown kid', token: await sign({ ...rsa, kid: 'nobody', privateKey: stranger.privateKey }, claims()) });
  corpus.push({ name: 'alg none', token: `${part({ alg: 'none' })}.${part(claims())}.` });
  corpus.push({ name: 'HS256 with the public key as secret', token: `${part({ alg: 'HS256', kid: rsa.kid })}.${part(claims())}.c2ln` });
});

function verifierWith(signatures: 'native' | 'jose') {
  return createJwtVerifier({
    issuer: () => ISSUER,
    // Two RS256 keys for a token without kid: the verifier tries both; the first (1024 bits) is one jose will not use, the second signed.
    keys: new Keys([weakRsa, ...signers]),
    algorithms: [...ALGORITHMS],
    clockToleranceSec: 30,
    requireAccessTokenType: false,
    maxTokenBytes: 16_384,
    signatures,
  });
}

async function outcome(verifier: ReturnType<typeof verifierWith>, token: string): Promise<unknown> {
  try {
    const info = await verifier.verify(token, context);
    return { ok: { ...info, resource: String(info.resource) } };
  } catch (err) {
    const e = err as { code?: string; message?: string; status?: number };
    // The clock is read at each verification: the message's "now" differs by the milliseconds between the two runs.
    return { error: { code: e.code, message: e.message?.replace(/now \d{4}-[\d:T.-]+Z/, 'now <time>'), status: e.status } };
  }
}

/** Bytes the native path reads as ASCII, or hands to the strict UTF-8 decoder: each kind, good and bad, on both paths. */
async function textCorpus(): Promise<{ name: string; token: string }[]> {
  const utf8 = (json: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(json)));
  const bytes = (...parts: (string | number[])[]) =>
    base64url.encode(new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p))));
  const rows: { name: string; token: string }[] = [];
  for (const signer of [signers[0]!, signers.find((s) => s.alg === 'ES256')!, signers.find((s) => s.alg === 'EdDSA')!]) {
    const h = part({ alg: signer.alg, kid: signer.kid });
    const p = part(claims());
    const cases: [string, string, string][] = [
      ['claims with non-ASCII text', h, utf8(claims({ sub: 'café ☕ 𝄞', scope: 'mcp:tools lecture\u00a0écriture' }))],
      ['claims with an escaped non-ASCII character', h, base64url.encode(JSON.stringify(claims()).replace('"ada"', '"\\u00e9"'))],
      ['claims with a DEL and a NUL escape', h, utf8(claims({ sub: 'a\u007fb\u0000c' }))],
      ['claims with a lone surrogate escape', h, base64url.encode(JSON.stringify(claims()).replace('"ada"', '"\\ud800"'))],
      ['claims with a Latin-1 byte (not UTF-8)', h, bytes(JSON.stringify(claims()).slice(0, -1), ',"x":"', [0xe9], '"}')],
      ['claims with an overlong encoding', h, bytes(JSON.stringify(claims()).slice(0, -1), ',"x":"', [0xc0, 0xaf], '"}')],
      ['claims with a BOM after the brace', h, bytes('{', [0xef, 0xbb, 0xbf], JSON.stringify(claims()).slice(1))],
      ['claims with a UTF-8 surrogate (ED A0 80)', h, bytes(JSON.stringify(claims()).slice(0, -1), ',"x":"', [0xed, 0xa0, 0x80], '"}')],
      ['header with non-ASCII text', utf8({ alg: signer.alg, kid: signer.kid, 'x-note': 'é' }), p],
      ['header with a Latin-1 byte', bytes(`{"alg":"${signer.alg}","kid":"${signer.kid}","x":"`, [0xe9], '"}'), p],
      ['header with a kid in non-ASCII (unknown key)', utf8({ alg: signer.alg, kid: `${signer.kid}é` }), p],
    ];
    for (const [name, header, payload] of cases) rows.push({ name: `${signer.alg}: ${name}`, token: await signRaw(signer, header, payload) });
  }
  return rows;
}

describe('native signatures', () => {
  it('exist on Node and check signatures themselves (so the comparison below compares two paths)', async () => {
    const check = nativeSignatureCheck();
    expect(check).toBeDefined();
    const good = corpus.find((row) => row.name === 'RS256: good')!.token;
    const bad = corpus.find((row) => row.name === 'RS256: flipped signature byte')!.token;
    expect(check!({ alg: 'RS256' }, signers[0]!.publicKey, good)).toBe(true);
    expect(check!({ alg: 'RS256' }, signers[0]!.publicKey, bad)).toBe(false);
    // Left to jose: a key that does not fit the algorithm, a 1024-bit RSA key, a crit header.
    expect(check!({ alg: 'ES256' }, signers[0]!.publicKey, good)).toBeUndefined();
    expect(check!({ alg: 'RS256' }, weakRsa.publicKey, corpus.find((row) => row.name === 'RSA key of 1024 bits')!.token)).toBeUndefined();
    expect(check!({ alg: 'RS256', crit: ['exp'] }, signers[0]!.publicKey, corpus.find((row) => row.name === 'RS256: crit header')!.token)).toBeUndefined();
  });

  it('give the same answer as jose for every token of the corpus, good and bad', async () => {
    const native = verifierWith('native');
    const jose = verifierWith('jose');
    let accepted = 0;
    for (const { name, token } of corpus) {
      const fromJose = await outcome(jose, token);
      expect(await outcome(native, token), name).toEqual(fromJose);
      if ('ok' in (fromJose as object)) accepted++;
    }
    // The corpus holds both kinds: every algorithm's good tokens pass, the rest are refused.
    expect(accepted).toBe(ALGORITHMS.length * 3);
    expect(corpus.length - accepted).toBeGreaterThan(150);
  });

  it('read text as jose does, whether it is ASCII (copied as it is) or not (the strict UTF-8 decoder): non-ASCII, escapes, ill-formed bytes', async () => {
    const native = verifierWith('native');
    const jose = verifierWith('jose');
    const outcomes: unknown[] = [];
    for (const { name, token } of await textCorpus()) {
      const fromJose = await outcome(jose, token);
      expect(await outcome(native, token), name).toEqual(fromJose);
      outcomes.push(fromJose);
    }
    // Both kinds: the well-formed ones pass on both paths, the ill-formed bytes fail on both.
    expect(outcomes.filter((o) => 'ok' in (o as object)).length).toBeGreaterThanOrEqual(3 * 5);
    expect(outcomes.filter((o) => 'error' in (o as object)).length).toBeGreaterThanOrEqual(3 * 4);
  });

  it('read headers and claims as jose does: odd JSON, bad UTF-8, a BOM, wrong types, bad base64url', async () => {
    const native = verifierWith('native');
    const jose = verifierWith('jose');
    const outcomes: unknown[] = [];
    for (const { name, token } of readingCorpus) {
      const fromJose = await outcome(jose, token);
      expect(await outcome(native, token), name).toEqual(fromJose);
      outcomes.push(fromJose);
    }
    // A leading BOM is dropped by the UTF-8 decoder jose uses (header and payload): accepted on both paths.
    expect(outcomes.filter((o) => 'ok' in (o as object))).toHaveLength(ALGORITHMS.length * 2);
    expect(readingCorpus.length).toBe(ALGORITHMS.length * 16);
  });
});
