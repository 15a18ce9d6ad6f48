import type { CryptoKey, JWSHeaderParameters } from 'jose';

/**
 * JWS signatures checked with the runtime's native crypto where it has one
 * (Node's `node:crypto`), instead of Web Crypto: on Node a Web Crypto
 * `verify` is an asynchronous job on the thread pool, which costs a token
 * seen for the first time several times the signature check itself. The
 * module is found at run time (`process.getBuiltinModule`), so the core
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

/** Checks one signature: `true`/`false`, or `undefined` when jose must decide. */
export type NativeSignatureCheck = (header: JWSHeaderParameters, key: CryptoKey, token: string) => boolean | undefined;

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

/** Strict base64url (no padding, no stray bits), as jose decodes it. */
function base64urlBytes(part: string): Uint8Array {
  if (part.length % 4 === 1) throw new Error('not base64url');
  const binary = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function findNodeCrypto(): NodeCrypto | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } } }).process;
  if (typeof runtime?.getBuiltinModule !== 'function' || !runtime.versions?.node) return undefined;
  try {
    const crypto = runtime.getBuiltinModule('node:crypto') as NodeCrypto | undefined;
    return crypto && typeof crypto.verify === 'function' && typeof crypto.KeyObject?.from === 'function' ? crypto : undefined;
  } catch {
    return undefined;
  }
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
  if (!crypto) return undefined;
  const keyObjects = new WeakMap<CryptoKey, unknown>();
  const encoder = new TextEncoder();
  return (header, key, token) => {
    const rule = RULES[header.alg ?? ''];
    // `crit` and `b64` (RFC 7797) are jose's to judge; the verifier already decoded the header.
    if (!rule || !fits(key, rule) || header.crit !== undefined || header.b64 !== undefined) return undefined;
    const dot = token.lastIndexOf('.');
    let signature: Uint8Array;
    try {
      signature = base64urlBytes(token.slice(dot + 1));
    } catch {
      return undefined; // jose names a signature that is not base64url
    }
    let keyObject = keyObjects.get(key);
    if (keyObject === undefined) {
      try {
        keyObject = crypto.KeyObject.from(key);
      } catch {
        return undefined; // a runtime whose node:crypto cannot take a Web Crypto key (Deno, Bun...): jose's path
      }
      keyObjects.set(key, keyObject);
    }
    const options =
      rule.name === 'RSA-PSS'
        ? { key: keyObject, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST }
        : rule.name === 'ECDSA'
          ? { key: keyObject, dsaEncoding: 'ieee-p1363' }
          : keyObject;
    try {
      return crypto.verify(rule.digest, encoder.encode(token.slice(0, dot)), options, signature);
    } catch {
      // A signature node:crypto cannot even parse (an ECDSA one of the wrong length) is no valid signature.
      return false;
    }
  };
}
