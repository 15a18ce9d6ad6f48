import { createHash } from 'node:crypto';
import type { UpstreamConfig } from '../../config/sections/upstream.js';
import { ConfigError, UpstreamError } from '../../errors.js';
import { isLoopbackHost } from '../../http/loopback.js';
import { upstreamFailure } from './failures.js';
import { identityFromClaims } from './identity.js';
import { upstreamScopes } from './presets.js';
import type { Upstream, UpstreamTokenSet } from './types.js';

/** The longest answer read from GitHub's API (a user with many teams stays far below). */
const MAX_ANSWER_BYTES = 1_048_576;

/**
 * GitHub (github.com or Enterprise Server at `githubUrl`) as a plain OAuth 2
 * upstream: no OpenID Connect, so no ID token; the user comes from the API
 * (`/user`, `/user/emails`, and `/user/orgs` + `/user/teams` when groups
 * decide who may sign in). The token endpoint answers form-encoded unless
 * asked for JSON, and reports errors with status 200; both are handled.
 *
 * @example
 * ```ts
 * const upstream = connectGithubUpstream(config.upstream, 'https://mcp.example.com/oauth/upstream/callback');
 * ```
 */
export function connectGithubUpstream(config: UpstreamConfig, callbackUrl: string): Upstream {
  const base = new URL(config.githubUrl.replace(/\/+$/, ''));
  if (base.protocol === 'http:' && !isLoopbackHost(base.hostname)) {
    throw new ConfigError(`GATEHOUSE_UPSTREAM_GITHUB_URL ${base.href} must use https (http only on this machine, for tests)`);
  }
  const dotCom = base.hostname === 'github.com';
  const api = dotCom ? 'https://api.github.com' : `${base.origin}${base.pathname.replace(/\/$/, '')}/api/v3`;
  const web = `${base.origin}${base.pathname.replace(/\/$/, '')}`;
  const label = dotCom ? 'GitHub (github.com)' : `GitHub Enterprise Server (${base.host})`;
  const scope = upstreamScopes(config).join(' ');

  async function tokenRequest(params: Record<string, string>, doing: string): Promise<UpstreamTokenSet> {
    const body = new URLSearchParams({ client_id: config.clientId, ...(config.clientSecret ? { client_secret: config.clientSecret } : {}), ...params });
    let answer: Record<string, string>;
    try {
      const res = await fetch(`${web}/login/oauth/access_token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      answer = await readTokenAnswer(res);
    } catch (err) {
      throw upstreamFailure(err, label, doing, config.timeoutMs);
    }
    if (answer.error) {
      const clientProblem = answer.error === 'incorrect_client_credentials' || answer.error === 'invalid_client';
      throw new UpstreamError(
        'ERR_UPSTREAM_REFUSED',
        clientProblem
          ? `${label} refused Gatehouse's client credentials while ${doing} (${answer.error}); check GATEHOUSE_UPSTREAM_CLIENT_ID and GATEHOUSE_UPSTREAM_CLIENT_SECRET against the OAuth app registered there`
          : `${label} refused ${doing} (${answer.error}${answer.error_description ? `: ${answer.error_description}` : ''})`,
        { error: answer.error, error_description: answer.error_description },
      );
    }
    if (!answer.access_token) throw new UpstreamError('ERR_UPSTREAM_INVALID_RESPONSE', `${label} answered ${doing} without an access token`);
    const expiresIn = Number(answer.expires_in);
    return {
      accessToken: answer.access_token,
      ...(answer.refresh_token ? { refreshToken: answer.refresh_token } : {}),
      ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresAt: Date.now() + expiresIn * 1000 } : {}),
      ...(answer.scope !== undefined ? { scope: answer.scope.replace(/,/g, ' ') } : {}),
    };
  }

  async function get<T>(accessToken: string, path: string): Promise<T> {
    try {
      const res = await fetch(`${api}${path}`, {
        headers: { accept: 'application/vnd.github+json', authorization: `Bearer ${accessToken}`, 'x-github-api-version': '2022-11-28' },
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      const text = await res.text();
      if (text.length > MAX_ANSWER_BYTES) throw new Error(`GET ${path}: answer too large`);
      if (!res.ok) throw new UpstreamError('ERR_UPSTREAM_REFUSED', `${label} answered ${res.status} to GET ${path}`, { error: `http_${res.status}` });
      return JSON.parse(text) as T;
    } catch (err) {
      throw upstreamFailure(err, label, `reading GET ${path}`, config.timeoutMs);
    }
  }

  async function groupsOf(accessToken: string): Promise<string[]> {
    if (config.allowed.groups.length === 0) return [];
    const orgs = await get<{ login?: string }[]>(accessToken, '/user/orgs?per_page=100');
    const teams = await get<{ slug?: string; organization?: { login?: string } }[]>(accessToken, '/user/teams?per_page=100');
    return [
      ...orgs.map((org) => org.login).filter((login): login is string => typeof login === 'string'),
      ...teams.filter((t) => t.slug && t.organization?.login).map((t) => `${t.organization!.login}/${t.slug}`),
    ];
  }

  return {
    provider: 'github',
    label,
    callbackUrl,
    async authorizationUrl(secrets) {
      const url = new URL(`${web}/login/oauth/authorize`);
      const challenge = createHash('sha256').update(secrets.codeVerifier).digest('base64url');
      for (const [name, value] of Object.entries({
        client_id: config.clientId, redirect_uri: callbackUrl, scope, state: secrets.state, code_challenge: challenge, code_challenge_method: 'S256', allow_signup: 'false',
      })) url.searchParams.set(name, value);
      return url;
    },
    async finish(callback, secrets) {
      const error = callback.searchParams.get('error');
      if (error) {
        const description = callback.searchParams.get('error_description') ?? undefined;
        throw new UpstreamError('ERR_UPSTREAM_REFUSED', `${label} did not sign the user in (${error})`, { error, error_description: description });
      }
      const code = callback.searchParams.get('code');
      if (!code || callback.searchParams.get('state') !== secrets.state) {
        throw new UpstreamError('ERR_UPSTREAM_INVALID_RESPONSE', `${label} sent the user back without a code for this sign-in`);
      }
      const tokens = await tokenRequest({ code, redirect_uri: callbackUrl, code_verifier: secrets.codeVerifier }, 'redeeming the sign-in code');
      const user = await get<Record<string, unknown>>(tokens.accessToken, '/user');
      const emails = await get<{ email?: string; primary?: boolean; verified?: boolean }[]>(tokens.accessToken, '/user/emails').catch(() => []);
      const primary = emails.find((e) => e.primary && e.verified) ?? emails.find((e) => e.verified);
      const claims = {
        ...user,
        email: primary?.email ?? user.email,
        email_verified: Boolean(primary),
        groups: await groupsOf(tokens.accessToken),
      };
      return { identity: identityFromClaims(config, claims), tokens };
    },
    refresh(refreshToken) {
      return tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'refreshing an access token');
    },
    userInfo: (accessToken) => get<Record<string, unknown>>(accessToken, '/user'),
  };
}

/** GitHub's token answer: JSON when asked (and usually), form-encoded otherwise; errors may come with status 200. */
async function readTokenAnswer(res: Response): Promise<Record<string, string>> {
  const text = await res.text();
  if (text.length > MAX_ANSWER_BYTES) throw new Error('token answer too large');
  const type = res.headers.get('content-type') ?? '';
  let fields: Record<string, unknown>;
  if (type.includes('json')) fields = JSON.parse(text) as Record<string, unknown>;
  else fields = Object.fromEntries(new URLSearchParams(text));
  if (!res.ok && !fields.error) fields.error = `http_${res.status}`;
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'string' || typeof v === 'number').map(([k, v]) => [k, String(v)]));
}
