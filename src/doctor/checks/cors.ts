import { endpointPath, report, type DoctorContext } from '../context.js';
import { outcome, type Exchange } from '../http.js';
import { PROFILES } from '../profiles.js';
import type { ProfileId } from '../types.js';
import type { AsResult } from './authorization-server.js';
import { postInitialize, type ChallengeResult } from './challenge.js';
import { documentsInUse } from './pkce.js';
import type { PrmResult } from './protected-resource.js';

/**
 * Step 6, for clients in a browser (MCP Inspector): every response their
 * page reads must allow its origin, the 401 must expose `WWW-Authenticate`,
 * and requests with non-safelisted headers need a preflight that allows
 * them. A browser hides what CORS does not allow, so the client sees a
 * network error instead of the answer.
 */

const BROWSER: ProfileId[] = PROFILES.filter((p) => p.browser).map((p) => p.id);
const MCP_HEADERS = ['authorization', 'content-type', 'mcp-protocol-version'];

function allowsOrigin(exchange: Exchange, origin: string): boolean {
  const allowed = exchange.headers.get('access-control-allow-origin')?.trim();
  return allowed === '*' || allowed === origin;
}

function listed(exchange: Exchange, header: string): string[] {
  return (exchange.headers.get(header) ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
}

/** What keeps a preflight from letting the request through, or nothing. */
function preflightProblems(exchange: Exchange, origin: string, headers: string[]): string[] {
  if (exchange.status === 0) return [outcome(exchange)];
  const problems: string[] = [];
  if (exchange.status < 200 || exchange.status > 299) problems.push(`answered ${exchange.status}, not 2xx`);
  if (!allowsOrigin(exchange, origin)) problems.push('no Access-Control-Allow-Origin for the page');
  const allowed = listed(exchange, 'access-control-allow-headers');
  // `*` does not cover Authorization (Fetch standard).
  const missing = headers.filter((h) => !allowed.includes(h) && !(allowed.includes('*') && h !== 'authorization'));
  if (missing.length > 0) problems.push(`Access-Control-Allow-Headers lacks ${missing.join(', ')}`);
  return problems;
}

function preflight(ctx: DoctorContext, url: string, method: string, headers: string[]): Promise<Exchange> {
  return ctx.http.send(url, {
    method: 'OPTIONS',
    headers: { Origin: ctx.browserOrigin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers.join(',') },
  });
}

async function checkEndpoint(ctx: DoctorContext, challenge: ChallengeResult): Promise<void> {
  const endpoint = endpointPath(ctx.url) || '/';
  const problems = preflightProblems(await preflight(ctx, ctx.url.href, 'POST', MCP_HEADERS), ctx.browserOrigin, MCP_HEADERS);
  if (problems.length > 0) report(ctx, 'cors-preflight', BROWSER, `The preflight (OPTIONS ${endpoint} from ${ctx.browserOrigin}) fails: ${problems.join('; ')}`);
  const post = await postInitialize(ctx, { Origin: ctx.browserOrigin });
  if (post.status === 0) return;
  if (!allowsOrigin(post, ctx.browserOrigin)) {
    report(ctx, 'cors-challenge', BROWSER, `The ${post.status} from POST ${endpoint} has no Access-Control-Allow-Origin: the browser hides the whole response`);
  } else if (challenge.exchange.headers.has('www-authenticate')) {
    const exposed = listed(post, 'access-control-expose-headers');
    if (!exposed.includes('www-authenticate') && !exposed.includes('*')) {
      report(ctx, 'cors-challenge', BROWSER, `The ${post.status} from POST ${endpoint} does not list WWW-Authenticate in Access-Control-Expose-Headers: the browser hides the challenge`);
    }
  }
}

async function checkDocuments(ctx: DoctorContext, urls: string[], used: string[]): Promise<void> {
  const seen = await Promise.all([...new Set(urls)].map((url) => ctx.http.get(url, { Origin: ctx.browserOrigin })));
  const bare = seen.filter((e) => e.status !== 0 && !allowsOrigin(e, ctx.browserOrigin));
  const documents = bare.filter((e) => e.status >= 200 && e.status < 300);
  const errors = bare.filter((e) => e.status < 200 || e.status >= 300);
  if (documents.length > 0) report(ctx, 'cors-documents', BROWSER, `No Access-Control-Allow-Origin on ${documents.map((e) => e.url).join(', ')}: a browser client cannot read ${documents.length > 1 ? 'them' : 'it'}`);
  if (errors.length > 0) report(ctx, 'cors-not-found', BROWSER, `No Access-Control-Allow-Origin on ${errors.map((e) => `${e.url} (${e.status})`).join(', ')}: a browser client sees a network error instead of the ${errors.every((e) => e.status === 404) ? '404' : 'error'}`);

  const preflights = await Promise.all(used.map(async (url) => ({ url, problems: preflightProblems(await preflight(ctx, url, 'GET', ['mcp-protocol-version']), ctx.browserOrigin, ['mcp-protocol-version']) })));
  const failing = preflights.filter((p) => p.problems.length > 0);
  if (failing.length > 0) {
    report(ctx, 'cors-documents-preflight', BROWSER, `The preflight for MCP-Protocol-Version fails on ${failing.map((p) => `${p.url} (${p.problems.join('; ')})`).join(', ')}; the MCP SDK retries without the header, older clients stop`);
  }
}

async function checkAuthorizationServerEndpoints(ctx: DoctorContext, as: AsResult): Promise<void> {
  const found = [...documentsInUse(as)].find(([, clients]) => clients.some((id) => BROWSER.includes(id)))?.[0];
  if (!found) return;
  const { registration_endpoint: registration, token_endpoint: token } = found.doc;
  if (typeof registration === 'string' && URL.canParse(registration)) {
    const problems = preflightProblems(await preflight(ctx, registration, 'POST', ['content-type']), ctx.browserOrigin, ['content-type']);
    if (problems.length > 0) report(ctx, 'cors-registration', BROWSER, `The preflight of the registration endpoint ${registration} fails: ${problems.join('; ')}`);
  }
  if (typeof token === 'string' && URL.canParse(token)) {
    // A form POST needs no preflight, but its answer must allow the page's origin. No code is sent: the answer is an error.
    const answer = await ctx.http.send(token, {
      method: 'POST',
      headers: { Origin: ctx.browserOrigin, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: 'grant_type=authorization_code&client_id=gatehouse-doctor',
    });
    if (answer.status !== 0 && !allowsOrigin(answer, ctx.browserOrigin)) {
      report(ctx, 'cors-token', BROWSER, `The token endpoint ${token} answers (${answer.status}) without Access-Control-Allow-Origin: a browser client cannot exchange its code`);
    }
  }
}

/**
 * Step 6: CORS, as MCP Inspector in a browser needs it.
 *
 * @example
 * ```ts
 * await checkCors(ctx, challenge, prm, as);
 * ```
 */
export async function checkCors(ctx: DoctorContext, challenge: ChallengeResult, prm: PrmResult, as: AsResult): Promise<void> {
  await checkEndpoint(ctx, challenge);
  const prmRoot = `${ctx.url.origin}/.well-known/oauth-protected-resource`;
  const prmUrls = [challenge.resourceMetadataUrl, `${prmRoot}${endpointPath(ctx.url)}`, prmRoot].filter((u): u is string => !!u);
  // Browser clients meet 404s whenever a first guess misses; the path-inserted AS URL on the MCP origin is one they try.
  const guess = endpointPath(ctx.url) ? [`${ctx.url.origin}/.well-known/oauth-authorization-server${endpointPath(ctx.url)}`] : [];
  const asUrls = [...as.tried.map((e) => e.url), ...guess];
  const used = [prm.found?.url, ...[...documentsInUse(as).keys()].map((f) => f.url)].filter((u): u is string => !!u);
  await checkDocuments(ctx, [...prmUrls, ...asUrls], [...new Set(used)]);
  await checkAuthorizationServerEndpoints(ctx, as);
}
