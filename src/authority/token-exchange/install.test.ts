/**
 * The token-exchange settings that are refused at start: a policy for a
 * configured client that lacks the grant, or for a public client (it has no
 * credentials to act with). Found by mutation testing: nothing refused
 * such a configuration in any test, so the check could be deleted unnoticed.
 */
import Provider from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/resolve.js';
import type { ConfigLayer } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { TOKEN_EXCHANGE_GRANT } from '../../exchange/types.js';
import type { AuthorityKeys } from '../keys/index.js';
import { installTokenExchange, tokenExchangeConfigProblems } from './install.js';

const API = 'https://api.local';
const SECRET = 'exchange-secret-for-tests-only-0123456789';
type Client = NonNullable<NonNullable<ConfigLayer['authority']>['clients']>[number];

function configWith(clients: Client[], policyFor = 'mcp-server') {
  return resolveConfig({
    publicUrl: 'http://localhost:3000',
    authority: { clients, tokenExchange: { policies: [{ client: policyFor, audiences: [API] }] } },
  });
}

const confidential: Client = { client_id: 'mcp-server', client_secret: SECRET, grant_types: [TOKEN_EXCHANGE_GRANT], redirect_uris: [], response_types: [] };

describe('tokenExchangeConfigProblems', () => {
  it('accepts a confidential client that has the grant, and a client configured elsewhere', () => {
    expect(tokenExchangeConfigProblems(configWith([confidential]))).toEqual([]);
    expect(tokenExchangeConfigProblems(configWith([confidential], 'registered-by-metadata-document'))).toEqual([]);
    const privateKeyJwt = { ...confidential, client_secret: undefined, token_endpoint_auth_method: 'private_key_jwt' as const };
    expect(tokenExchangeConfigProblems(configWith([privateKeyJwt]))).toEqual([]);
  });

  it('names a client whose grant_types lack token exchange', () => {
    const problems = tokenExchangeConfigProblems(configWith([{ ...confidential, grant_types: ['client_credentials'] }]));
    expect(problems).toEqual([`authority.tokenExchange: client "mcp-server" has a policy but its grant_types lack ${TOKEN_EXCHANGE_GRANT}`]);
  });

  it('names a public client: no secret, or token_endpoint_auth_method none', () => {
    const noSecret = { ...confidential, client_secret: undefined };
    const none = { ...confidential, token_endpoint_auth_method: 'none' as const };
    for (const client of [noSecret, none]) {
      expect(tokenExchangeConfigProblems(configWith([client]))).toEqual([
        'authority.tokenExchange: client "mcp-server" is public (no client_secret or keys); only a confidential client may exchange tokens',
      ]);
    }
  });
});

describe('installTokenExchange', () => {
  it('refuses to start with every problem listed', () => {
    const config = configWith([{ ...confidential, client_secret: undefined, grant_types: ['client_credentials'] }]);
    const provider = new Provider(config.issuer, {});
    // The keys are never reached: the settings are checked before anything is installed.
    const install = () => installTokenExchange(provider, config, {} as AuthorityKeys);
    expect(install).toThrow(ConfigError);
    expect(install).toThrow(/Invalid Gatehouse config:\n {2}- authority\.tokenExchange: .*grant_types lack.*\n {2}- authority\.tokenExchange: .*is public/);
  });
});
