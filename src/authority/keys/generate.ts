import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { PrivateJwk, SigningAlgorithm, StoredKey } from './key-file.js';

/**
 * A fresh random key id: 128 bits, base64url. Random rather than a
 * thumbprint, so a kid says nothing about the key and never repeats after a
 * rotation back to the same algorithm.
 *
 * @example
 * ```ts
 * randomKid(); // 'pX3c0hQ1w9lK2v8ZbN4aEg'
 * ```
 */
function randomKid(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Generates one signing key: RS256 (RSA 2048), ES256 (P-256) or EdDSA
 * (Ed25519), as a private JWK with `kid`, `alg` and `use: 'sig'`.
 *
 * @example
 * ```ts
 * const key = await generateSigningKey('ES256', Math.floor(Date.now() / 1000));
 * key.jwk.kid; // random
 * ```
 */
export async function generateSigningKey(alg: SigningAlgorithm, createdAt: number): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const exported = await exportJWK(privateKey);
  const jwk = { ...exported, kid: randomKid(), alg, use: 'sig' } as PrivateJwk;
  return { jwk, createdAt };
}
