import type { CryptoKey, JWSHeaderParameters } from 'jose';
import { looksLikeJwt } from './jwt-parts.js';

/**
 * JWS signatures checked with the runtime's native crypto where it has one
 * (Node's `node:crypto`), instead of Web Crypto: on Node a Web Crypto
 * `verify` is an asynchronous job on the thread pool, which costs a token
 * seen for the first time several times the signature check itself. The
 * modules are found at run time (`process.getBuiltinModule`), so the core
 * imports nothing of Node and other runtimes keep jose's path.
 *
 * Only the signature moves: what is checked around it (allowed algorithms,
 * the key fitting the algorithm, the claims) stays as jose does it. A key or
 * header this module is not sure of (a `crit` header, a key whose algorithm
 * or size jose would refuse, a key without `verify`) is left to jose, which
 * then gives its own error.
 */

/** The part of `node:crypto` used here. */
interface NodeCrypto {
  KeyObject: { from(key: CryptoKey): unknown };
  verify(algorithm: string | null, data: Uint8Array, key: unknown, signature: Uint8Array): boolean;
  constants: { RSA_PKCS1_PSS_PADDING: number; RSA_PSS_SALTLEN_DIGEST: number };
}

/** The part of `node:buffer` used here. */
interface NodeBuffer {
  Buffer: { from(text: string, encoding: 'base64url' | 'latin1'): Uint8Array };
}

/** Checks one signature: `true`/`false`, or `undefined` when jose must decide. */
export type NativeSignatureCheck = (header: JWSHeaderParameters, key: CryptoKey, token: string) => boolean | undefined;

/** Decodes one part of a compact JWS (base64url characters only: the caller checked the token's shape). */
export type Base64urlDecoder = (part: string) => Uint8Array;

interface AlgorithmRule {
  /** The Web Crypto algorithm name the key must have. */
  name: string;
  /** Its hash (RSA) or curve (ECDSA), when it has one. */
  hash?: string;
  curve?: string;
  /** The digest node:crypto is given (`null` for Ed25519). */
  digest: string | null;
}

const RULES: Record<string, AlgorithmRule> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', digest: 'sha256' },
  RS384: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384', digest: 'sha384' },
  RS512: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512', digest: 'sha512' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256', digest: 'sha256' },
  PS384: { name: 'RSA-PSS', hash: 'SHA-384', digest: 'sha384' },
  PS512: { name: 'RSA-PSS', hash: 'SHA-512', digest: 'sha512' },
  ES256: { name: 'ECDSA', curve: 'P-256', digest: 'sha256' },
  ES384: { name: 'ECDSA', curve: 'P-384', digest: 'sha384' },
  ES512: { name: 'ECDSA', curve: 'P-521', digest: 'sha512' },
  EdDSA: { name: 'Ed25519', digest: null },
  Ed25519: { name: 'Ed25519', digest: null },
};

/** Whether jose would use this key for this algorithm without an error of its own. */
function fits(key: CryptoKey, rule: AlgorithmRule): boolean {
  const algorithm = key.algorithm as { name?: string; hash?: { name?: string }; namedCurve?: string; modulusLength?: number };
  if (key.type !== 'public' || !key.usages.includes('verify') || algorithm.name !== rule.name) return false;
  if (rule.hash && algorithm.hash?.name !== rule.hash) return false;
  if (rule.curve && algorithm.namedCurve !== rule.curve) return false;
  // jose refuses RSA keys under 2048 bits with its own error: leave those to it.
  if (rule.name.startsWith('RSA') && (algorithm.modulusLength ?? 0) < 2048) return false;
  return true;
}

/** What is kept per key: a `CryptoKey` never changes, so neither does what node:crypto is given for it, nor which algorithms it fits. */
interface KeyEntry {
  /** The `KeyObject`, with the padding (RSA-PSS) or signature encoding (ECDSA) JWS uses; `null` when node:crypto cannot take this key. */
  verifyKey: unknown;
  fitsAlgorithm: Map<string, boolean>;
}

function nodeRuntime(): { getBuiltinModule(id: string): unknown } | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } } }).process;
  if (typeof runtime?.getBuiltinModule !== 'function' || !runtime.versions?.node) return undefined;
  return runtime as { getBuiltinModule(id: string): unknown };
}

/** Node's `Buffer.from`, or `undefined` where there is none. */
function bufferFrom(): NodeBuffer['Buffer']['from'] | undefined {
  let buffer: NodeBuffer['Buffer'] | undefined;
  try {
    buffer = (nodeRuntime()?.getBuiltinModule('node:buffer') as NodeBuffer | undefined)?.Buffer;
  } catch {
    return undefined;
  }
  return typeof buffer?.from === 'function' ? buffer.from.bind(buffer) : undefined;
}

function findNodeCrypto(): NodeCrypto | undefined {
  try {
    const crypto = nodeRuntime()?.getBuiltinModule('node:crypto') as NodeCrypto | undefined;
    return crypto && typeof crypto.verify === 'function' && typeof crypto.KeyObject?.from === 'function' ? crypto : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The runtime's own base64url decoder (Node's `Buffer`), or `undefined`
 * where there is none. It decodes as `atob` does after jose swaps the
 * alphabet (the same bytes, stray bits ignored), and refuses what `atob`
 * refuses among base64url strings: a length of 1 modulo 4. It is several
 * times faster than `atob`, a JavaScript loop on Node.
 *
 * @example
 * ```ts
 * const decode = nativeBase64url();
 * decode?.('eyJhbGciOiJSUzI1NiJ9'); // the bytes of {"alg":"RS256"}
 * ```
 */
export function nativeBase64url(): Base64urlDecoder | undefined {
  const from = bufferFrom();
  if (!from) return undefined;
  return (part) => {
    if (part.length % 4 === 1) throw new TypeError('not base64url: a length of 1 modulo 4');
    return from(part, 'base64url');
  };
}

/** Decodes the bytes of a header or claims set as strict UTF-8 (an error where it is not well formed), a leading BOM dropped. */
export type Utf8Decoder = (bytes: Uint8Array) => string;

/**
 * The runtime's fast UTF-8 reading of what `nativeBase64url` decoded, or
 * `undefined` where there is none: bytes that are all ASCII (every header
 * and nearly every claims set) are their own string, a plain Latin-1 copy;
 * anything else goes to the strict `TextDecoder` as before. No ASCII byte
 * is ill formed, and a BOM is not ASCII, so the answer is the same.
 *
 * @example
 * ```ts
 * const text = nativeUtf8();
 * text?.(nativeBase64url()!('eyJhbGciOiJSUzI1NiJ9')); // '{"alg":"RS256"}'
 * ```
 */
export function nativeUtf8(): Utf8Decoder | undefined {
  let buffer: { isAscii?: (bytes: Uint8Array) => boolean; Buffer?: { isBuffer(value: unknown): boolean } } | undefined;
  try {
    buffer = nodeRuntime()?.getBuiltinModule('node:buffer') as typeof buffer;
  } catch {
    return undefined;
  }
  const isAscii = buffer?.isAscii;
  const isBuffer = buffer?.Buffer?.isBuffer.bind(buffer.Buffer);
  if (typeof isAscii !== 'function' || !isBuffer) return undefined;
  const strict = new TextDecoder('utf-8', { fatal: true });
  return (bytes) => (isBuffer(bytes) && isAscii(bytes) ? (bytes as Uint8Array & { toString(encoding: 'latin1'): string }).toString('latin1') : strict.decode(bytes));
}

/**
 * The native signature check of this runtime, or `undefined` where there is
 * none (not Node, or a Node without `process.getBuiltinModule`).
 *
 * @example
 * ```ts
 * const check = nativeSignatureCheck();
 * const valid = check?.({ alg: 'RS256' }, key, token); // undefined: ask jose
 * ```
 */
export function nativeSignatureCheck(): NativeSignatureCheck | undefined {
  const crypto = findNodeCrypto();
  const decode = nativeBase64url();
  const from = bufferFrom();
  if (!crypto || !decode || !from) return undefined;
  const keys = new WeakMap<CryptoKey, KeyEntry>();

  function entryOf(key: CryptoKey): KeyEntry {
    let entry = keys.get(key);
    if (entry === undefined) {
      let verifyKey: unknown = null;
      try {
        const keyObject = crypto!.KeyObject.from(key);
        const name = (key.algorithm as { name?: string }).name;
        verifyKey =
          name === 'RSA-PSS'
            ? { key: keyObject, padding: crypto!.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto!.constants.RSA_PSS_SALTLEN_DIGEST }
            : name === 'ECDSA'
              ? { key: keyObject, dsaEncoding: 'ieee-p1363' }
              : keyObject;
      } catch {
        // A runtime whose node:crypto cannot take a Web Crypto key (Deno, Bun...): jose's path.
      }
      entry = { verifyKey, fitsAlgorithm: new Map() };
      keys.set(key, entry);
    }
    return entry;
  }

  return (header, key, token) => {
    const alg = header.alg ?? '';
    const rule = RULES[alg];
    // `crit` and `b64` (RFC 7797) are jose's to judge; the verifier already decoded the header.
    if (!rule || header.crit !== undefined || header.b64 !== undefined) return undefined;
    const entry = entryOf(key);
    let fit = entry.fitsAlgorithm.get(alg);
    if (fit === undefined) {
      fit = fits(key, rule);
      entry.fitsAlgorithm.set(alg, fit);
    }
    // A token of another shape is jose's to name; the verifier checked this one's already (so this is a memo hit).
    if (!fit || entry.verifyKey === null || !looksLikeJwt(token)) return undefined;
    const dot = token.lastIndexOf('.');
    let signature: Uint8Array;
    try {
      signature = decode(token.slice(dot + 1));
    } catch {
      return undefined; // jose names a signature that is not base64url
    }
    try {
      // Base64url characters and dots only: their Latin-1 bytes are their UTF-8 bytes, and Latin-1 is a plain copy.
      return crypto.verify(rule.digest, from(token.slice(0, dot), 'latin1'), entry.verifyKey, signature);
    } catch {
      // A signature node:crypto cannot even parse (an ECDSA one of the wrong length) is no valid signature.
      return false;
    }
  };
}
