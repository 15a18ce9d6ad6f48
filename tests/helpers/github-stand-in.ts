/**
 * A stand-in for GitHub's OAuth apps on loopback, mimicking what GitHub
 * documents: `/login/oauth/authorize` (approves at once as the configured
 * user), `/login/oauth/access_token` answering form-encoded unless the
 * request accepts JSON, errors with status 200 (`incorrect_client_credentials`,
 * `bad_verification_code`), PKCE S256; the REST API under `/api/v3` as on
 * Enterprise Server: `/user`, `/user/emails`, `/user/orgs`, `/user/teams`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GithubUser {
  id: number;
  login: string;
  name?: string;
  emails: { email: string; primary: boolean; verified: boolean }[];
  orgs?: string[];
  teams?: { org: string; slug: string }[];
}

export interface GithubStandIn {
  /** The base URL, as GATEHOUSE_UPSTREAM_GITHUB_URL (`<base>/api/v3` is the API). */
  url: string;
  clientId: string;
  clientSecret: string;
  /** Who the next authorization signs in as. */
  signInAs(user: GithubUser): void;
  /** `METHOD /path` of every request, and the Accept header and answer's Content-Type of token requests. */
  requests: string[];
  tokenAccepts: string[];
  tokenAnswerTypes: string[];
  close(): Promise<void>;
}

export interface GithubStandInOptions {
  redirectUri: string;
  /**
   * Answer the token endpoint form-encoded even when JSON is asked for, as
   * GitHub did before it honoured `Accept` and as a proxy that drops the
   * header makes it: Gatehouse must read both shapes.
   */
  formEncodedAlways?: boolean;
}

/**
 * Starts it on 127.0.0.1 and a free port.
 *
 * @example
 * ```ts
 * const github = await startGithubStandIn({ redirectUri });
 * ```
 */
export async function startGithubStandIn(options: GithubStandInOptions): Promise<GithubStandIn> {
  const clientId = 'Iv1.standin';
  const clientSecret = 'github-stand-in-secret-0123456789';
  let user: GithubUser = { id: 1, login: 'octocat', emails: [] };
  const codes = new Map<string, { user: GithubUser; challenge: string; redirectUri: string }>();
  const tokens = new Map<string, GithubUser>();
  const requests: string[] = [];
  const tokenAccepts: string[] = [];
  const tokenAnswerTypes: string[] = [];

  const server = createServer(async function github(req, res) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}`);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/login/oauth/authorize') {
      const redirect = url.searchParams.get('redirect_uri') ?? '';
      if (url.searchParams.get('client_id') !== clientId || redirect !== options.redirectUri || url.searchParams.get('code_challenge_method') !== 'S256') {
        res.writeHead(400).end('bad authorization request');
        return;
      }
      const code = randomBytes(10).toString('hex');
      codes.set(code, { user, challenge: url.searchParams.get('code_challenge') ?? '', redirectUri: redirect });
      const back = new URL(redirect);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      tokenAccepts.push(String(req.headers.accept ?? ''));
      const form = new URLSearchParams(await bodyOf(req));
      const answer = (fields: Record<string, string>) => {
        // GitHub answers form-encoded unless JSON is asked for, and errors with 200.
        if (!options.formEncodedAlways && String(req.headers.accept ?? '').includes('application/json')) {
          tokenAnswerTypes.push('json');
          return json(200, fields);
        }
        tokenAnswerTypes.push('form');
        res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
        res.end(new URLSearchParams(fields).toString());
      };
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
        return answer({ error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' });
      }
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      if (!grant || grant.redirectUri !== form.get('redirect_uri') || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
        return answer({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      }
      const token = `gho_${randomBytes(12).toString('hex')}`;
      tokens.set(token, grant.user);
      return answer({ access_token: token, token_type: 'bearer', scope: 'read:org,read:user,user:email' });
    }
    if (url.pathname.startsWith('/api/v3/')) {
      const who = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!who) return json(401, { message: 'Bad credentials' });
      switch (url.pathname) {
        case '/api/v3/user':
          return json(200, { id: who.id, login: who.login, name: who.name ?? null, email: null });
        case '/api/v3/user/emails':
          return json(200, who.emails);
        case '/api/v3/user/orgs':
          return json(200, (who.orgs ?? []).map((login) => ({ login })));
        case '/api/v3/user/teams':
          return json(200, (who.teams ?? []).map((t) => ({ slug: t.slug, organization: { login: t.org } })));
      }
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clientId,
    clientSecret,
    signInAs(next) {
      user = next;
    },
    requests,
    tokenAccepts,
    tokenAnswerTypes,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
