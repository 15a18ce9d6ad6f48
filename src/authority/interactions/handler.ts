import type { Telemetry } from '../../telemetry/types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import type { LocalAccounts } from '../identity/local-accounts.js';
import type { Broker } from '../upstream/broker.js';
import { createMemorySignInThrottle, type SignInThrottle } from '../identity/sign-in-throttle.js';
import { answerStoreOutage, isStoreOutage } from '../store-outage.js';
import { abort } from './actions/abort.js';
import { checkCsrf } from './actions/check-csrf.js';
import { checkMethod } from './actions/check-method.js';
import { checkSameOrigin } from './actions/check-same-origin.js';
import { interactionContext, type InteractionContext, type InteractionStep } from './actions/context.js';
import { loadInteraction } from './actions/load-interaction.js';
import { showPage } from './actions/show-page.js';
import { submitConsent } from './actions/submit-consent.js';
import { submitLogin } from './actions/submit-login.js';
import { switchAccount } from './actions/switch-account.js';
import { errorPage, PageError } from './error-page.js';
import { FormBodyError, readForm } from './form-body.js';
import { sendPage } from './respond.js';
import { matchInteractionRoute, type InteractionAction, type InteractionRoute } from './routes.js';

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
  /** Broker mode: sign-ins at the upstream, consent every time. */
  broker?: Broker;
  /** Audit events of sign-ins, consents and throttled attempts. */
  telemetry?: Telemetry;
}

/** Which methods a route takes, whether it is a form post, and its action (one file each in `actions/`). */
const ACTIONS: Record<InteractionAction, { methods: readonly string[]; form: boolean; run: InteractionStep }> = {
  page: { methods: ['GET', 'HEAD'], form: false, run: showPage },
  login: { methods: ['POST'], form: true, run: submitLogin },
  confirm: { methods: ['POST'], form: true, run: submitConsent },
  abort: { methods: ['POST'], form: true, run: abort },
  switch: { methods: ['POST'], form: true, run: switchAccount },
};

/** The steps every interaction request goes through, in order; each throws a `PageError` to refuse. */
async function runRoute(ctx: InteractionContext, req: IncomingMessage, res: ServerResponse, route: InteractionRoute): Promise<void> {
  const action = ACTIONS[route.action];
  checkMethod(req.method ?? 'GET', res, action.methods); // 405
  if (action.form) checkSameOrigin(req, ctx.config.issuer); // 403 for a post another site's page made
  const form = action.form ? await readForm(req) : new URLSearchParams(); // 415 content type, 413 size cap
  const interaction = await loadInteraction(ctx, req, res, route.uid); // 400 unless the cookie and the URL agree
  if (action.form) checkCsrf(interaction, form); // 403
  await action.run(ctx, { req, res, interaction, form });
}

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
  const onError = options.onError ?? logError;
  const throttle = options.throttle ?? createMemorySignInThrottle(config.authority.signInThrottle);
  const ctx = interactionContext(provider, accounts, config, throttle, { broker: options.broker, telemetry: options.telemetry });

  return async function handleInteraction(req, res) {
    const url = req.url ?? '/';
    // Every request of the origin passes here (the token endpoint's too): parse the URL only when its path could name an
    // interaction. Parsing can turn a backslash into '/' and resolve dot segments, never make the word; it does drop tabs and newlines.
    if (!url.includes('interaction') && !UNPARSED_CHARACTERS.test(url)) return false;
    const pathname = new URL(url, 'http://localhost').pathname;
    const route = matchInteractionRoute(ctx.prefix, pathname);
    if (!route) return false;
    try {
      await runRoute(ctx, req, res, route);
    } catch (err) {
      if (res.headersSent) {
        onError(err);
        res.destroy();
        return true;
      }
      // The store (Redis) unreachable, the throttle's included: 503 like every other outage, never an attempt let through.
      if (isStoreOutage(err)) {
        answerStoreOutage(res, err);
        return true;
      }
      const page = pageErrorOf(err);
      if (!page) onError(err);
      const shown = page ?? new PageError(500, 'Something went wrong', 'The server could not finish this step. Go back to the app and try again.');
      sendPage(res, shown.status, errorPage(shown, ctx.devLogin), [], req.method);
    }
    return true;
  };
}

/** What the URL parser removes from a URL before reading it. */
const UNPARSED_CHARACTERS = /[\t\n\r]/;

function logError(error: unknown): void {
  console.error(`gatehouse: a sign-in page failed: ${error instanceof Error ? error.message : String(error)}`);
}

function pageErrorOf(err: unknown): PageError | undefined {
  if (err instanceof PageError) return err;
  if (err instanceof FormBodyError) return new PageError(err.status, 'Request refused', `${err.message}.`);
  return undefined;
}
