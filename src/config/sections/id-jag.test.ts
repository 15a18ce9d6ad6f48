import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../env.js';
import { resolveConfig } from '../resolve.js';
import { configuredIdJagIssuers } from '../../authority/id-jag/trusted-issuers.js';

/** The ID-JAG settings an environment gives an authority. */
function fromEnv(env: Record<string, string>) {
  return resolveConfig({ ...configFromEnv(env), mode: 'authority', publicUrl: 'http://localhost:3000' });
}

/** The message the start is refused with. */
function refusal(env: Record<string, string>): string {
  try {
    fromEnv(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${JSON.stringify(env)} was accepted`);
}

describe('GATEHOUSE_ID_JAG_ISSUERS', () => {
  it('is empty by default: no enterprise IdP is trusted', () => {
    expect(fromEnv({}).authority.idJag).toEqual({ issuers: [], maxLifetimeSec: 300, clockSkewSec: 30 });
  });

  it('takes issuer URLs separated by commas or spaces, each with the default algorithms', () => {
    const config = fromEnv({ GATEHOUSE_ID_JAG_ISSUERS: 'https://acme.okta.com, https://sso.acme.example/realms/main  http://127.0.0.1:9000' });
    expect(configuredIdJagIssuers(config)).toEqual([
      { issuer: 'https://acme.okta.com', algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'] },
      { issuer: 'https://sso.acme.example/realms/main', algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'] },
      { issuer: 'http://127.0.0.1:9000', algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'] },
    ]);
  });

  it('takes a JSON array of URLs and objects, or one object', () => {
    const array = fromEnv({
      GATEHOUSE_ID_JAG_ISSUERS: '["https://acme.okta.com", {"issuer": "https://sso.acme.example", "jwksUri": "https://sso.acme.example/keys", "subjectClaim": "email", "algorithms": ["ES256"]}]',
    });
    expect(configuredIdJagIssuers(array)).toEqual([
      { issuer: 'https://acme.okta.com', algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'] },
      { issuer: 'https://sso.acme.example', jwksUri: 'https://sso.acme.example/keys', subjectClaim: 'email', algorithms: ['ES256'] },
    ]);
    const one = fromEnv({ GATEHOUSE_ID_JAG_ISSUERS: ' {"issuer": "https://acme.okta.com", "subjectClaim": "email"}' });
    expect(configuredIdJagIssuers(one)).toEqual([{ issuer: 'https://acme.okta.com', subjectClaim: 'email', algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'] }]);
  });

  it('keeps an issuer exactly as written: a trailing slash is part of it (iss is compared as a string)', () => {
    expect(configuredIdJagIssuers(fromEnv({ GATEHOUSE_ID_JAG_ISSUERS: 'https://tenant.auth0.example/' }))[0]!.issuer).toBe('https://tenant.auth0.example/');
  });

  it('reads the lifetime and clock skew', () => {
    expect(fromEnv({ GATEHOUSE_ID_JAG_MAX_LIFETIME: '120', GATEHOUSE_ID_JAG_CLOCK_SKEW: '5' }).authority.idJag).toMatchObject({ maxLifetimeSec: 120, clockSkewSec: 5 });
  });
});

describe('a wrong ID-JAG setting stops the start with its own message', () => {
  const at = 'authority.idJag.issuers.0 (GATEHOUSE_ID_JAG_ISSUERS)';
  it.each([
    ['not a URL', 'not-a-url', `${at}: "not-a-url" is not an absolute URL`],
    ['not http(s)', 'ftp://idp.example', `${at}: "ftp://idp.example" must use http: or https:`],
    ['a query', 'https://idp.example?tenant=1', 'has a query or fragment, which an issuer identifier never has (RFC 8414 §2)'],
    ['a fragment', 'https://idp.example#x', 'has a query or fragment'],
    ['broken JSON', '[{"issuer": ', 'GATEHOUSE_ID_JAG_ISSUERS is not valid JSON'],
    ['an issuer that is not a string', '[{"issuer": 5}]', `${at}: issuer: authority.idJag.issuers[].issuer must be a URL string`],
    ['an entry that is neither URL nor object', '[42]', `${at}: must be an issuer URL or an object { "issuer": "https://..."`],
    ['a misspelt setting', '[{"issuer": "https://idp.example", "subject_claim": "email"}]', `${at}: unknown setting(s) "subject_claim"`],
    ['an HMAC algorithm', '[{"issuer": "https://idp.example", "algorithms": ["HS256"]}]', '"HS256" is not an algorithm an ID-JAG may be signed with (never none or HS*)'],
    ['alg none', '[{"issuer": "https://idp.example", "algorithms": ["none"]}]', '"none" is not an algorithm an ID-JAG may be signed with'],
    ['no algorithm', '[{"issuer": "https://idp.example", "algorithms": []}]', 'lists no algorithm: leave it out for the default'],
    ['a bad jwksUri', '[{"issuer": "https://idp.example", "jwksUri": "keys.json"}]', '"keys.json" is not an absolute URL'],
    ['an empty subjectClaim', '[{"issuer": "https://idp.example", "subjectClaim": ""}]', 'subjectClaim'],
    ['an IdP listed twice', 'https://idp.example https://idp.example', 'authority.idJag.issuers.1 (GATEHOUSE_ID_JAG_ISSUERS): https://idp.example is listed twice'],
  ])('%s', (_what, value, message) => {
    const text = refusal({ GATEHOUSE_ID_JAG_ISSUERS: value });
    expect(text).toContain(message);
    // One problem, one line: the message is about this value, not a union's noise.
    expect(text).not.toMatch(/Invalid input/);
  });

  it('a lifetime or skew out of range, or not a number', () => {
    expect(refusal({ GATEHOUSE_ID_JAG_MAX_LIFETIME: '10' })).toContain('authority.idJag.maxLifetimeSec (GATEHOUSE_ID_JAG_MAX_LIFETIME): at least 30 seconds');
    expect(refusal({ GATEHOUSE_ID_JAG_MAX_LIFETIME: '86400' })).toContain('at most 3600 seconds: an ID-JAG is meant to live minutes');
    expect(refusal({ GATEHOUSE_ID_JAG_MAX_LIFETIME: 'soon' })).toContain('GATEHOUSE_ID_JAG_MAX_LIFETIME="soon" is not a number');
    expect(refusal({ GATEHOUSE_ID_JAG_CLOCK_SKEW: '600' })).toContain('authority.idJag.clockSkewSec (GATEHOUSE_ID_JAG_CLOCK_SKEW): at most 300 seconds');
  });
});
