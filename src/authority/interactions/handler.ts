import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { errors, type Interaction } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { resourceUri } from '../../gate/resource.js';
import type { LocalAccounts } from '../identity/local-accounts.js';
import { createMemorySignInThrottle, type SignInThrottle } from '../identity/sign-in-throttle.js';
import { checkUsername, MAX_USERNAME_LENGTH } from '../identity/username.js';
import { clientAddress } from '../../server/client-address.js';
import { consentPage } from './consent-page.js';
import { consentRequest, grantConsent } from './consent-details.js';
import { CSRF_FIELD, csrfToken, csrfTokenMatches } from './csrf.js';
import { errorPage, expiredSignIn, forgedForm, PageError } from './error-page.js';
import { FormBodyError, readForm } from './form-body.js';
import { displayText } from './html.js';
import { loginPage } from './login-page.js';
import { describeRedirect } from './redirect-target.js';
import { formActionSource, seeOther, sendPage, setNoStore } from './respond.js';
import { tooManyAttempts } from './too-many-attempts.js';
import { interactionPath, matchInteractionRoute, type InteractionAction, type InteractionRoute } from './routes.js';

/** A Node request handler that answers `true` when the request was one of its routes. */
export type InteractionHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface InteractionHandlerOptions {
  /**
   * Told about unexpected failures, which the user sees as a plain 500 page
   * without details. Defaults to one line on stderr.
   */
  onError?: (error: unknown) => void;
  /**
   * Counts failed sign-ins; defaults to one in this process's memory with
   * the limits of `authority.signInThrottle`.
   */
  throttle?: SignInThrottle;
}

function logError(error: unknown): void {
  console.error(`gatehouse: a sign-in page failed: ${error instanceof Error ? error.message : String(error)}`);
}

const WRONG_CREDENTIALS = 'That username and password do not match. Check them and try again.';
const BAD_DEV_USERNAME = `Enter a username of 1 to ${MAX_USERNAME_LENGTH} characters, without spaces.`;

/**
 * Serves the sign-in and consent pages of oidc-provider's interactions and
 * their form posts, under `<routePrefix>/interaction/`. Every form carries a
 * per-interaction anti-forgery token; a post without the right one gets 403.
 * Wrong credentials show the sign-in page again with one message for unknown
 * users and wrong passwords alike; too many of them (per username or per
 * client address) get the page with `429`, `Retry-After` and when to try
 * again, before any password is checked.
 *
 * @example
 * ```ts
 * const handleInteraction = createInteractionHandler(provider, accounts, config);
 * createServer(async (req, res) => {
 *   if (await handleInteraction(req, res)) return;
 *   provider.callback()(req, res);
 * });
 * ```
 */
export function createInteractionHandler(
  provider: Provider,
  accounts: LocalAccounts,
  config: GatehouseConfig,
  options: InteractionHandlerOptions = {},
): InteractionHandler {
  const prefix = config.authority.routePrefix;
  // The MCP endpoint's canonical URI, as the gate computes it, to show it by name.
  const mcpResource = resourceUri(new Request(config.publicUrl ?? config.issuer), config);
  const { devLogin } = accounts;
  const onError = options.onError ?? logError;
  const throttle = options.throttle ?? createMemorySignInThrottle(config.authority.signInThrottle);

  function paths(uid: string): Record<InteractionAction, string> {
    const of = (action: InteractionAction) => interactionPath(prefix, uid, action);
    return { page: of('page'), login: of('login'), confirm: of('confirm'), abort: of('abort'), switch: of('switch') };
  }

  /** Where the flow may end: the client's redirect URI (for the CSP's form-action). */
  function formTargets(interaction: Interaction): string[] {
    const source = formActionSource(String(interaction.params.redirect_uri ?? ''));
    return source ? [source] : [];
  }

  async function load(req: IncomingMessage, res: ServerResponse, uid: string): Promise<Interaction> {
    let interaction: Interaction;
    try {
      interaction = await provider.interactionDetails(req, res);
    } catch (err) {
      if (err instanceof errors.SessionNotFound) throw expiredSignIn();
      throw err;
    }
    // The cookie names the interaction this browser is in; the URL must agree.
    if (interaction.uid !== uid) throw expiredSignIn();
    return interaction;
  }

  async function clientName(interaction: Interaction): Promise<{ name: string; id: string }> {
    const id = String(interaction.params.client_id ?? '');
    const client = await provider.Client.find(id);
    if (!client) throw expiredSignIn();
    const name = displayText(client.clientName ?? '', 80);
    return { name: name || displayText(id, 200), id: displayText(id, 200) };
  }

  async function showLogin(res: ServerResponse, interaction: Interaction, extra: { username?: string; error?: string; status?: number; retryAfterSec?: number } = {}, method = 'GET') {
    const client = await clientName(interaction);
    const hint = typeof interaction.params.login_hint === 'string' ? checkUsername(interaction.params.login_hint) : undefined;
    const page = loginPage({
      actions: paths(interaction.uid),
      csrf: csrfToken(interaction),
      clientName: client.name,
      devLogin,
      username: extra.username ?? (hint?.ok ? hint.username : undefined),
      error: extra.error,
    });
    if (extra.retryAfterSec !== undefined) res.setHeader('Retry-After', String(extra.retryAfterSec));
    sendPage(res, extra.status ?? 200, page, formTargets(interaction), method);
  }

  async function showConsent(res: ServerResponse, interaction: Interaction, method: string) {
    const accountId = interaction.session?.accountId;
    if (!accountId) throw expiredSignIn();
    const request = consentRequest(interaction);
    // Only what this user may be granted: a restricted scope they are not entitled to is never offered.
    const grantable = new Set(await accounts.grantableScopes(accountId, request.scopes.map((scope) => scope.name)));
    const redirect = describeRedirect(String(interaction.params.redirect_uri ?? ''));
    const page = consentPage({
      actions: { ...paths(interaction.uid), switchAccount: paths(interaction.uid).switch },
      csrf: csrfToken(interaction),
      devLogin,
      client: await clientName(interaction),
      accountId,
      redirect,
      scopes: request.scopes.filter((scope) => grantable.has(scope.name)),
      resources: (request.resources.length ? request.resources : [mcpResource]).map((uri) => ({
        uri,
        name: uri === mcpResource ? config.resourceName : undefined,
      })),
      additional: Boolean(interaction.grantId) && request.missing,
    });
    sendPage(res, 200, page, formTargets(interaction), method);
  }

  async function showPage(req: IncomingMessage, res: ServerResponse, uid: string) {
    const interaction = await load(req, res, uid);
    const method = req.method ?? 'GET';
    if (interaction.prompt.name === 'login') return showLogin(res, interaction, {}, method);
    if (interaction.prompt.name === 'consent') return showConsent(res, interaction, method);
    throw new PageError(501, 'Not supported', `This server cannot ask for "${displayText(interaction.prompt.name, 40)}". Go back to the app and connect again.`);
  }

  async function submitLogin(req: IncomingMessage, res: ServerResponse, interaction: Interaction, form: URLSearchParams) {
    // A second submission after the first one moved the interaction on: show where it is now.
    if (interaction.prompt.name !== 'login') return seeOther(res, paths(interaction.uid).page);
    const username = (form.get('username') ?? '').slice(0, 4 * MAX_USERNAME_LENGTH);
    const password = form.get('password') ?? '';
    const shown = displayText(username, MAX_USERNAME_LENGTH);
    // Counted before the password is checked, known username or not, so parallel guesses cannot all get through.
    const reservation = await throttle.reserve({ account: throttleAccount(username), address: clientAddress(req, config.trustProxy) });
    if (!reservation.allowed) {
      const { retryAfterSec } = reservation;
      return showLogin(res, interaction, { username: shown, error: tooManyAttempts(retryAfterSec), status: 429, retryAfterSec });
    }
    let accountId: string | undefined;
    try {
      accountId = await accounts.verifyPassword(username, password);
    } catch (err) {
      await reservation.release();
      throw err;
    }
    if (!accountId) {
      await reservation.fail();
      const error = devLogin ? BAD_DEV_USERNAME : WRONG_CREDENTIALS;
      return showLogin(res, interaction, { username: shown, error });
    }
    await reservation.succeed();
    setNoStore(res);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId, ...(devLogin ? {} : { amr: ['pwd'] }) } },
      { mergeWithLastSubmission: false },
    );
  }

  async function submitConsent(req: IncomingMessage, res: ServerResponse, interaction: Interaction, form: URLSearchParams) {
    if (form.get('decision') === 'deny') return refuse(req, res, interaction);
    if (interaction.prompt.name !== 'consent') return seeOther(res, paths(interaction.uid).page);
    const accountId = interaction.session?.accountId;
    if (!accountId) throw expiredSignIn();
    const grantId = await grantConsent(provider, interaction, accountId);
    setNoStore(res);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  async function refuse(req: IncomingMessage, res: ServerResponse, interaction: Interaction) {
    const error_description = interaction.prompt.name === 'login' ? 'The user cancelled the sign-in' : 'The user denied the request';
    setNoStore(res);
    await provider.interactionFinished(req, res, { error: 'access_denied', error_description }, { mergeWithLastSubmission: false });
  }

  /** Signs the browser out and restarts the same authorization request, which then asks who is signing in. */
  async function switchAccount(res: ServerResponse, interaction: Interaction) {
    const sessionUid = interaction.session?.uid;
    const session = sessionUid ? await provider.Session.findByUid(sessionUid) : undefined;
    await session?.destroy();
    const suffix = `/${interaction.uid}`;
    if (!interaction.returnTo.endsWith(suffix)) throw expiredSignIn();
    // The resume URL is the authorization endpoint plus the uid.
    const authorize = new URL(interaction.returnTo.slice(0, -suffix.length));
    for (const [name, value] of Object.entries(interaction.params)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v === 'string') authorize.searchParams.append(name, v);
      }
    }
    seeOther(res, authorize.href);
  }

  async function submit(req: IncomingMessage, res: ServerResponse, route: InteractionRoute) {
    const form = await readForm(req);
    const interaction = await load(req, res, route.uid);
    if (!csrfTokenMatches(interaction, form.get(CSRF_FIELD))) throw forgedForm();
    switch (route.action) {
      case 'login':
        return submitLogin(req, res, interaction, form);
      case 'confirm':
        return submitConsent(req, res, interaction, form);
      case 'abort':
        return refuse(req, res, interaction);
      case 'switch':
        return switchAccount(res, interaction);
      default:
        throw new PageError(404, 'Not found', 'There is nothing here.');
    }
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse, route: InteractionRoute) {
    const method = req.method ?? 'GET';
    const wanted = route.action === 'page' ? ['GET', 'HEAD'] : ['POST'];
    if (!wanted.includes(method)) {
      res.setHeader('Allow', wanted.join(', '));
      throw new PageError(405, 'Not allowed', 'This address does not accept that kind of request.');
    }
    if (route.action === 'page') return showPage(req, res, route.uid);
    return submit(req, res, route);
  }

  return async function handleInteraction(req, res) {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = matchInteractionRoute(prefix, pathname);
    if (!route) return false;
    try {
      await dispatch(req, res, route);
    } catch (err) {
      if (res.headersSent) {
        onError(err);
        res.destroy();
        return true;
      }
      const page = pageErrorOf(err);
      if (!page) onError(err);
      const shown = page ?? new PageError(500, 'Something went wrong', 'The server could not finish this step. Go back to the app and try again.');
      sendPage(res, shown.status, errorPage(shown, devLogin), [], req.method);
    }
    return true;
  };
}

/** The key a username is throttled under: the account it would sign in as, or the raw text when it is no valid username. */
function throttleAccount(username: string): string {
  const check = checkUsername(username);
  return check.ok ? `user:${check.username}` : `invalid:${username}`;
}

function pageErrorOf(err: unknown): PageError | undefined {
  if (err instanceof PageError) return err;
  if (err instanceof FormBodyError) return new PageError(err.status, 'Request refused', `${err.message}.`);
  return undefined;
}
