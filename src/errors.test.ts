import { describe, expect, it } from 'vitest';
import * as root from './index.js';
import {
  ConfigError,
  DiscoveryError,
  GatehouseError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
  RequestTooLargeError,
  HeaderMismatchError,
  TemporarilyUnavailableError,
  TokenExchangeError,
  UpstreamError,
  type AnyGatehouseError,
  type ErrorCode,
} from './errors.js';

// One sample of each class, with what the gate and the authority read from it.
const samples: Array<{ error: AnyGatehouseError; codes: readonly ErrorCode[]; code?: ErrorCode; status?: number; oauth?: string }> = [
  { error: new InvalidTokenError('ERR_JWT_EXPIRED', 'expired'), codes: InvalidTokenError.codes, status: 401, oauth: 'invalid_token' },
  { error: new MissingTokenError(), codes: MissingTokenError.codes, code: MissingTokenError.code, status: 401, oauth: '' },
  { error: new InvalidRequestError('ERR_TOKEN_IN_QUERY', 'query'), codes: InvalidRequestError.codes, status: 400, oauth: 'invalid_request' },
  { error: new RequestTooLargeError(10), codes: RequestTooLargeError.codes, code: RequestTooLargeError.code, status: 413, oauth: 'invalid_request' },
  { error: new HeaderMismatchError('differ', 1), codes: HeaderMismatchError.codes, code: HeaderMismatchError.code, status: 400, oauth: 'invalid_request' },
  { error: new TemporarilyUnavailableError('down', 5), codes: TemporarilyUnavailableError.codes, code: TemporarilyUnavailableError.code, status: 503, oauth: 'temporarily_unavailable' },
  { error: new InsufficientScopeError('more', ['a']), codes: InsufficientScopeError.codes, code: InsufficientScopeError.code, status: 403, oauth: 'insufficient_scope' },
  { error: new ConfigError('bad'), codes: ConfigError.codes, code: ConfigError.code },
  { error: new DiscoveryError('down', ['https://x']), codes: DiscoveryError.codes, code: DiscoveryError.code },
  { error: new TokenExchangeError('ERR_TOKEN_EXCHANGE_REFUSED', 'no', { status: 400, error: 'invalid_target' }), codes: TokenExchangeError.codes, status: 400, oauth: 'invalid_target' },
  { error: new UpstreamError('ERR_UPSTREAM_REFUSED', 'no', { error: 'invalid_client' }), codes: UpstreamError.codes },
];

// A Record over ErrorCode does not compile unless it names every code: the table below is the whole union.
const everyCode: Record<ErrorCode, true> = {
  ERR_TOKEN_MISSING: true, ERR_AUTHORIZATION_HEADER_INVALID: true, ERR_AUTHORIZATION_HEADER_DUPLICATE: true,
  ERR_TOKEN_IN_QUERY: true, ERR_TOKEN_TOO_LARGE: true, ERR_REQUEST_BODY_UNCHECKABLE: true, ERR_REQUEST_BODY_TOO_LARGE: true, ERR_HEADER_MISMATCH: true,
  ERR_STORE_UNAVAILABLE: true,
  ERR_JWT_MALFORMED: true, ERR_JWS_SIGNATURE_INVALID: true, ERR_JOSE_ALG_NOT_ALLOWED: true, ERR_JWKS_NO_MATCHING_KEY: true,
  ERR_JWT_ISSUER_MISMATCH: true, ERR_JWT_AUDIENCE_MISMATCH: true, ERR_JWT_EXPIRED: true, ERR_JWT_NOT_YET_VALID: true,
  ERR_JWT_TYPE_INVALID: true, ERR_JWT_CLAIM_INVALID: true, ERR_TOKEN_INACTIVE: true, ERR_TOKEN_UNSUPPORTED: true,
  ERR_JWKS_UNAVAILABLE: true, ERR_INTROSPECTION_FAILED: true, ERR_VERIFICATION_FAILED: true, ERR_INSUFFICIENT_SCOPE: true,
  ERR_CONFIG_INVALID: true, ERR_DISCOVERY_FAILED: true, ERR_TOKEN_EXCHANGE_REFUSED: true, ERR_TOKEN_EXCHANGE_FAILED: true,
  ERR_UPSTREAM_UNREACHABLE: true, ERR_UPSTREAM_REFUSED: true, ERR_UPSTREAM_INVALID_RESPONSE: true, ERR_UPSTREAM_NO_TOKEN: true,
};

describe('mcp-gatehouse/errors', () => {
  it('gives every class its own codes, and every instance one of them', () => {
    for (const { error, codes, code } of samples) {
      expect(codes, error.name).toContain(error.code);
      if (code !== undefined) expect([error.code, codes]).toEqual([code, [code]]);
    }
  });

  it('shares out every code to exactly one class', () => {
    const owned = samples.flatMap((s) => s.codes);
    expect(new Set(owned).size).toBe(owned.length);
    expect([...owned].sort()).toEqual(Object.keys(everyCode).sort());
  });

  it('keeps the status, OAuth error and description the gate and the authority answer with', () => {
    for (const { error, status, oauth } of samples) {
      if (status === undefined) continue;
      const answered = error as { status?: number; error?: string };
      expect([answered.status, answered.error], error.name).toEqual([status, oauth]);
    }
    const token = new InvalidTokenError('ERR_JWT_EXPIRED', 'The token expired');
    expect([token.name, token.error_description, token.message]).toEqual(['InvalidTokenError', 'The token expired', 'The token expired']);
  });

  it('narrows a caught error by its code', () => {
    const hint = (err: AnyGatehouseError): string => {
      switch (err.code) {
        case 'ERR_INSUFFICIENT_SCOPE':
          return err.scopes.join(' ');
        case 'ERR_DISCOVERY_FAILED':
          return err.urls.join(' ');
        default:
          return err.code;
      }
    };
    expect(samples.map((s) => hint(s.error))).toContain('a');
    expect(hint(new DiscoveryError('down', ['https://a', 'https://b']))).toBe('https://a https://b');
  });

  it('refuses, at the type level, a code that belongs to another class', () => {
    const wrong = [
      // @ts-expect-error a request code is not a token code
      () => new InvalidTokenError('ERR_TOKEN_IN_QUERY', 'x'),
      // @ts-expect-error a token code is not a request code
      () => new InvalidRequestError('ERR_JWT_EXPIRED', 'x'),
      // @ts-expect-error a token code is not an exchange code
      () => new TokenExchangeError('ERR_JWT_EXPIRED', 'x'),
    ];
    expect(wrong).toHaveLength(3); // the lines above are checked by `npm run typecheck`, not here
  });

  it('exports the same classes from the root as from the subpath', () => {
    expect([root.InvalidTokenError, root.InsufficientScopeError, root.GatehouseError]).toEqual([
      InvalidTokenError,
      InsufficientScopeError,
      GatehouseError,
    ]);
  });
});
