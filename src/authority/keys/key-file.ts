/**
 * `<stateDir>/keys.json`: the authority's signing keys as private JWKs, with
 * when each was made and retired kept beside (not inside) the JWK, so the
 * published key set carries nothing but key material.
 */
import { z } from 'zod';
import { ConfigError } from '../../errors.js';

/** The algorithms the authority signs with: RSA 2048, P-256, Ed25519. */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA';
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

/** The key type and curve each algorithm needs. */
const KEY_SHAPE: Record<SigningAlgorithm, { kty: string; crv?: string }> = {
  RS256: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
};

const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url');

const privateJwkSchema = z
  .object({
    kty: z.enum(['RSA', 'EC', 'OKP']),
    kid: z.string().min(1),
    alg: z.enum(['RS256', 'ES256', 'EdDSA']),
    use: z.literal('sig'),
    crv: z.string().optional(),
    d: b64u,
    n: b64u.optional(),
    e: b64u.optional(),
    p: b64u.optional(),
    q: b64u.optional(),
    dp: b64u.optional(),
    dq: b64u.optional(),
    qi: b64u.optional(),
    x: b64u.optional(),
    y: b64u.optional(),
  })
  .check(function shapeFitsAlgorithm(ctx) {
    const shape = KEY_SHAPE[ctx.value.alg];
    if (ctx.value.kty !== shape.kty || (shape.crv !== undefined && ctx.value.crv !== shape.crv)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `a ${ctx.value.alg} key must be ${shape.kty}${shape.crv ? ` ${shape.crv}` : ''}` });
    }
  });

/** A private signing key as oidc-provider takes it in `jwks`. */
export type PrivateJwk = z.output<typeof privateJwkSchema>;

const storedKeySchema = z.object({
  jwk: privateJwkSchema,
  /** Seconds since the epoch. */
  createdAt: z.number().int(),
  /** When a rotation replaced it; it signs nothing new from then on. */
  retiredAt: z.number().int().optional(),
  /** How long it stays published once nothing signs with it any more (≥ the access token TTL). */
  retainSec: z.number().int().min(0).optional(),
  /**
   * From when no server signs with it any more: the rotation time plus the
   * key-refresh bound (running servers pick up a rotation within it), or,
   * for a file rotated before servers refreshed their keys, when a starting
   * server first saw it retired. The retention clock starts here.
   */
  unusedSince: z.number().int().optional(),
});

/** One key as kept in the file. */
export type StoredKey = z.output<typeof storedKeySchema>;

const keyFileSchema = z.object({
  version: z.literal(1),
  keys: z.array(storedKeySchema),
});

/** The whole file. */
export type KeyFile = z.output<typeof keyFileSchema>;

/**
 * Parses the key file; a file that is not exactly what Gatehouse wrote is a
 * `ConfigError`, never a reason to make new keys (that would sign every user
 * out and break every token in flight).
 *
 * @example
 * ```ts
 * const file = parseKeyFile(await readFile(path, 'utf8'), path);
 * ```
 */
export function parseKeyFile(text: string, path: string): KeyFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // Only the position: newer engines quote the text around the error, which here is private key material.
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    throw corrupt(path, `it is not valid JSON${position === undefined ? '' : ` (at character ${position})`}`);
  }
  const result = keyFileSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the file';
    throw corrupt(path, `${where}: ${issue?.message ?? 'unexpected content'}`);
  }
  const kids = new Set<string>();
  for (const { jwk } of result.data.keys) {
    if (kids.has(jwk.kid)) throw corrupt(path, `the kid "${jwk.kid}" appears twice`);
    kids.add(jwk.kid);
  }
  return result.data;
}

/**
 * The error for a key file that cannot be used, saying what to do about it.
 *
 * @example
 * ```ts
 * throw corrupt(path, 'it is not valid JSON');
 * ```
 */
export function corrupt(path: string, why: string): ConfigError {
  return new ConfigError(
    `The signing key file ${path} cannot be used: ${why}. Gatehouse will not replace it with new keys, because that would ` +
      'invalidate every token already issued and sign everybody out. Restore it from a backup, or delete it to start over ' +
      'with new keys (every user signs in again).',
  );
}

/**
 * The key file as written to disk.
 *
 * @example
 * ```ts
 * await writeFileAtomic(path, serializeKeyFile({ version: 1, keys }), { fsync: true });
 * ```
 */
export function serializeKeyFile(file: KeyFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
