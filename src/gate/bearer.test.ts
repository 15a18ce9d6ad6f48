import { describe, expect, it } from 'vitest';
import { InvalidRequestError, InvalidTokenError, MissingTokenError, type OAuthError } from '../errors.js';
import { extractBearerToken } from './bearer.js';

const limits = { maxTokenBytes: 1024 };
const jwtish = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

function tokenOf(headers: Record<string, string>, url = 'http://localhost/mcp'): string {
  return extractBearerToken(new Request(url, { headers }), limits);
}

function failureOf(headers: Record<string, string> | Headers, url = 'http://localhost/mcp'): OAuthError {
  try {
    extractBearerToken(new Request(url, { headers }), limits);
  } catch (err) {
    return err as OAuthError;
  }
  throw new Error('expected a failure');
}

describe('extractBearerToken', () => {
  it('returns the token, whatever the case of the scheme', () => {
    expect(tokenOf({ authorization: `Bearer ${jwtish}` })).toBe(jwtish);
    expect(tokenOf({ authorization: `bearer ${jwtish}` })).toBe(jwtish);
    expect(tokenOf({ authorization: `BEARER   ${jwtish}` })).toBe(jwtish);
    expect(tokenOf({ authorization: 'Bearer abc+/def==' })).toBe('abc+/def==');
  });

  it('reads the same token from headers no Request would carry (untrimmed, tabs, other whitespace)', () => {
    const light = (value: string) => ({ method: 'POST', url: 'http://localhost/mcp', headers: { get: () => value } });
    for (const value of [`Bearer\t${jwtish}`, ` Bearer ${jwtish} `, `Bearer \u00a0${jwtish}\u00a0`, `Bearer ${jwtish}\n`]) {
      expect(extractBearerToken(light(value), limits)).toBe(jwtish);
    }
    expect(() => extractBearerToken(light('Bearerx abc'), limits)).toThrow(MissingTokenError);
    expect(() => extractBearerToken(light('Bearer a\u00a0b'), limits)).toThrow(InvalidTokenError);
  });

  it('checks every token, also right after a well-formed one', () => {
    expect(tokenOf({ authorization: `Bearer ${jwtish}` })).toBe(jwtish);
    expect(tokenOf({ authorization: `Bearer ${jwtish}` })).toBe(jwtish);
    expect(failureOf({ authorization: `Bearer ${jwtish}!` }).code).toBe('ERR_AUTHORIZATION_HEADER_INVALID');
    expect(failureOf({ authorization: `Bearer =${jwtish}` }).code).toBe('ERR_AUTHORIZATION_HEADER_INVALID');
    expect(tokenOf({ authorization: `Bearer ${jwtish}` })).toBe(jwtish);
  });

  const cases: [string, Record<string, string> | Headers, new (...args: never[]) => OAuthError, string, string?][] = [
    ['no Authorization header', {}, MissingTokenError, 'ERR_TOKEN_MISSING'],
    ['an empty Authorization header', { authorization: '' }, MissingTokenError, 'ERR_TOKEN_MISSING'],
    ['the Basic scheme', { authorization: 'Basic dXNlcjpwYXNz' }, MissingTokenError, 'ERR_TOKEN_MISSING'],
    ['a scheme that only starts with Bearer', { authorization: `BearerX ${jwtish}` }, MissingTokenError, 'ERR_TOKEN_MISSING'],
    // Six letters and a space: the shape the fast path reads, so only its scheme comparison refuses it.
    ['another six-letter scheme', { authorization: 'Digest dXNlcjpwYXNz' }, MissingTokenError, 'ERR_TOKEN_MISSING'],
    ['Bearer with no token', { authorization: 'Bearer' }, InvalidTokenError, 'ERR_AUTHORIZATION_HEADER_INVALID'],
    ['Bearer with only spaces', { authorization: 'Bearer    ' }, InvalidTokenError, 'ERR_AUTHORIZATION_HEADER_INVALID'],
    ['two tokens', { authorization: `Bearer ${jwtish} ${jwtish}` }, InvalidTokenError, 'ERR_AUTHORIZATION_HEADER_INVALID'],
    ['a quoted token', { authorization: `Bearer "${jwtish}"` }, InvalidTokenError, 'ERR_AUTHORIZATION_HEADER_INVALID'],
    ['padding in the middle', { authorization: 'Bearer ab=cd' }, InvalidTokenError, 'ERR_AUTHORIZATION_HEADER_INVALID'],
    ['non-token68 characters', { authorization: 'Bearer a<b>c' }, InvalidTokenError, 'ERR_AUTHORIZATION_HEADER_INVALID'],
    ['two Authorization headers joined', { authorization: `Bearer ${jwtish}, Bearer ${jwtish}` }, InvalidRequestError, 'ERR_AUTHORIZATION_HEADER_DUPLICATE'],
    [
      'two Authorization headers appended',
      new Headers([
        ['authorization', `Bearer ${jwtish}`],
        ['authorization', 'Basic dXNlcjpwYXNz'],
      ]),
      InvalidRequestError,
      'ERR_AUTHORIZATION_HEADER_DUPLICATE',
    ],
    ['a token larger than the limit', { authorization: `Bearer ${'a'.repeat(1025)}` }, InvalidTokenError, 'ERR_TOKEN_TOO_LARGE'],
    ['a token in the query string', {}, InvalidRequestError, 'ERR_TOKEN_IN_QUERY', `http://localhost/mcp?access_token=${jwtish}`],
    [
      'a token in the query string as well as the header',
      { authorization: `Bearer ${jwtish}` },
      InvalidRequestError,
      'ERR_TOKEN_IN_QUERY',
      `http://localhost/mcp?x=1&access_token=${jwtish}`,
    ],
  ];

  it.each(cases)('refuses %s', (_name, headers, type, code, url) => {
    const error = failureOf(headers, url);
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
  });

  it('accepts a token of exactly the size limit', () => {
    expect(tokenOf({ authorization: `Bearer ${'a'.repeat(1024)}` })).toHaveLength(1024);
  });

  it('gives a missing token no OAuth error code (RFC 6750 §3.1) and a 401', () => {
    const error = failureOf({});
    expect(error.status).toBe(401);
    expect(error.error).toBe('');
  });

  it('answers duplicates and query tokens with 400 invalid_request', () => {
    const error = failureOf({ authorization: 'Bearer a, Bearer b' });
    expect([error.status, error.error]).toEqual([400, 'invalid_request']);
  });

  it('never puts the token in the message', () => {
    const secret = 'c2VjcmV0LXRva2Vu'.repeat(100);
    const error = failureOf({ authorization: `Bearer ${secret}` });
    expect(error.code).toBe('ERR_TOKEN_TOO_LARGE');
    expect(error.message).not.toContain('c2VjcmV0');
  });

  it('does not mistake a parameter that only contains "access_token" for one', () => {
    expect(tokenOf({ authorization: `Bearer ${jwtish}` }, 'http://localhost/mcp?no_access_token_here=1')).toBe(jwtish);
  });

  it('reads the scheme in any case, and only the letters of "bearer"', () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) expect(tokenOf({ authorization: `${scheme} ${jwtish}` })).toBe(jwtish);
    // Characters one bit away from a letter of "bearer" (@ and ` fold near B and b, Ā is outside ASCII) are another scheme.
    for (const scheme of ['@earer', '`earer', 'bearEz']) expect(failureOf({ authorization: `${scheme} ${jwtish}` })).toBeInstanceOf(MissingTokenError);
    // Headers refuses such characters; an adapter's light request may still carry them.
    for (const scheme of ['b\u0101arer', 'B\u0145arer']) {
      const light = { method: 'GET', url: 'http://localhost/mcp', headers: { get: () => `${scheme} ${jwtish}` } };
      expect(() => extractBearerToken(light, limits)).toThrow(MissingTokenError);
    }
  });
});

