import type { Configuration } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { isLoopbackRedirectHost } from '../../http/loopback.js';

/**
 * Who may register a client dynamically (RFC 7591). Open registration is
 * what makes `npm start` work with every MCP client; in production it lets
 * anyone create a client that redirects anywhere, so there it is governed by
 * an initial access token or an allow-list of redirect hosts.
 */

/** `open`: anyone; `token`: needs the initial access token; `allowlist`: redirect hosts must be allowed; `off`: no DCR. */
export type DcrPolicy = 'open' | 'token' | 'allowlist' | 'off';

/**
 * The DCR policy in force: the configured one, else `open` in development;
 * in production `token` when an initial access token is set, else
 * `allowlist` when redirect hosts are listed, else `off`.
 * Throws a `ConfigError` for `token` without a token.
 *
 * @example
 * ```ts
 * dcrPolicy(resolveConfig({ publicUrl: 'http://localhost:3000' })); // 'open'
 * dcrPolicy(resolveConfig({ publicUrl, authority: { env: 'production', registration: { allowedRedirectHosts: ['app.example.com'] } } })); // 'allowlist'
 * ```
 */
export function dcrPolicy(config: GatehouseConfig): DcrPolicy {
  const { env, registration } = config.authority;
  const policy = registration.dcr ?? defaultPolicy(env, registration);
  if (policy === 'token' && !registration.initialAccessToken) {
    throw new ConfigError(
      'Invalid Gatehouse config:\n  - authority.registration.dcr (GATEHOUSE_DCR) is "token" but no authority.registration.initialAccessToken is set: ' +
        'set GATEHOUSE_DCR_INITIAL_ACCESS_TOKEN to a long random token that clients must send as a Bearer token to the registration endpoint, ' +
        'or choose another DCR policy (open, allowlist or off).',
    );
  }
  return policy;
}

function defaultPolicy(env: 'development' | 'production', registration: GatehouseConfig['authority']['registration']): DcrPolicy {
  if (env === 'development') return 'open';
  if (registration.initialAccessToken) return 'token';
  if (registration.allowedRedirectHosts.length > 0) return 'allowlist';
  return 'off';
}

/**
 * oidc-provider's `features.registration` for the policy. The allow-list
 * itself is enforced where client metadata is validated (see
 * `clientMetadataRules`), since oidc-provider has no per-request policy
 * hook for registration without adapter-backed initial access tokens.
 *
 * @example
 * ```ts
 * registrationFeature(config); // { enabled: true, initialAccessToken: false, issueRegistrationAccessToken: false }
 * ```
 */
export function registrationFeature(config: GatehouseConfig): NonNullable<NonNullable<Configuration['features']>['registration']> {
  const policy = dcrPolicy(config);
  if (policy === 'off') return { enabled: false };
  return {
    enabled: true,
    initialAccessToken: policy === 'token' ? config.authority.registration.initialAccessToken! : false,
    // MCP clients never manage their registration (RFC 7592); Claude has been seen registering twice
    // per connect, so a registration access token per client would only fill the store.
    issueRegistrationAccessToken: false,
  };
}

/**
 * Whether a redirect URI may be registered under the `allowlist` policy.
 * Loopback `http:` and custom schemes are always allowed: they reach an app
 * on the user's own machine (RFC 8252), never a third party's server, and
 * are already limited to loopback hosts and the configured schemes. An
 * `https:` URI needs its host in `allowedRedirectHosts`: an exact host
 * (`app.example.com`), a host with port (`app.example.com:8443`), or
 * `*.example.com` for any subdomain (not the domain itself).
 *
 * @example
 * ```ts
 * redirectHostAllowed('https://claude.ai/api/mcp/auth_callback', ['claude.ai']); // true
 * redirectHostAllowed('http://127.0.0.1:33418/', []); // true
 * redirectHostAllowed('https://evil.example/cb', ['claude.ai']); // false
 * ```
 */
export function redirectHostAllowed(uri: string, allowedHosts: readonly string[]): boolean {
  if (!URL.canParse(uri)) return false;
  const url = new URL(uri);
  if (url.protocol !== 'https:') return url.protocol !== 'http:' || isLoopbackRedirectHost(url.hostname);
  return allowedHosts.some(function hostMatches(entry) {
    const allowed = entry.trim().toLowerCase();
    if (allowed.startsWith('*.')) return url.hostname.endsWith(allowed.slice(1)) && url.hostname.length > allowed.length - 1;
    return url.hostname === allowed || url.host === allowed;
  });
}
