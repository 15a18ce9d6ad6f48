import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Adapter, Interaction } from 'oidc-provider';
import type { UpstreamConfig } from '../../config/sections/upstream.js';
import { UpstreamError } from '../../errors.js';
import type { AuditEvent, Telemetry } from '../../telemetry/types.js';
import { interactionEvent } from '../interactions/actions/context.js';
import { errorPage, expiredSignIn, PageError } from '../interactions/error-page.js';
import { displayText } from '../interactions/html.js';
import { seeOther, sendPage } from '../interactions/respond.js';
import type { BrokerAccounts } from './accounts.js';
import { refusalOf } from './allow-list.js';
import { bindingMatches, clearBindingCookie } from './binding-cookie.js';
import type { PendingLogin } from './broker.js';
import { refusedPage } from './pages.js';
import { open } from './seal.js';
import type { Upstream } from './types.js';
import type { UpstreamVault } from './vault.js';

/** What the callback works with. */
export interface CallbackParts {
  settings: UpstreamConfig;
  provider: Provider;
  upstream: Upstream;
  accounts: BrokerAccounts;
  vault: UpstreamVault;
  logins: Adapter;
  key: Buffer;
  secure: boolean;
  issuer: string;
  log: (line: string) => void;
  pendingTtlSec: number;
  /** Where `signin.succeeded` and `signin.failed` go, as for a local sign-in. */
  telemetry?: Telemetry;
}

/** A failed sign-in's stable reason, for the audit event. */
class SignInRefused extends PageError {
  constructor(
    readonly reason: string,
    page: PageError,
  ) {
    super(page.status, page.title, page.message);
  }
}

/** The interaction the callback belongs to, once known, for the audit events. */
interface Seen {
  interaction?: Interaction;
}

function audit(parts: CallbackParts, event: 'signin.succeeded' | 'signin.failed', seen: Seen, facts: Partial<AuditEvent>): void {
  if (!parts.telemetry?.audit) return;
  parts.telemetry.audit(seen.interaction ? interactionEvent(event, seen.interaction, facts) : { event, ...facts });
}

/**
 * `GET <prefix>/upstream/callback`: the upstream sends the browser back.
 * The `state` names a sign-in under way (single use); the browser must be
 * the one that started it (binding-cookie.ts); the code is redeemed with
 * the sign-in's PKCE verifier and nonce. Then the allow-list decides: a
 * refused user sees why and the client gets `access_denied`; an upstream
 * that said no (`error=access_denied`) ends the request the same way; an
 * allowed user's tokens are kept pending and the authorization goes on to
 * the consent page. Upstream failures show a page naming the upstream and
 * what failed, and are logged.
 *
 * @example
 * ```ts
 * if (path === broker.callbackPath) return handleUpstreamCallback(parts, req, res);
 * ```
 */
export async function handleUpstreamCallback(parts: CallbackParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const seen: Seen = {};
  try {
    await finishSignIn(parts, req, res, seen);
  } catch (err) {
    const reason = err instanceof SignInRefused ? err.reason : err instanceof UpstreamError ? err.code : err instanceof PageError ? 'invalid_request' : 'server_error';
    audit(parts, 'signin.failed', seen, { reason });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const page = err instanceof PageError ? err : failurePage(parts, err);
    sendPage(res, page.status, errorPage(page, false), [], req.method);
  }
}

async function finishSignIn(parts: CallbackParts, req: IncomingMessage, res: ServerResponse, seen: Seen): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    throw new PageError(405, 'Not allowed', 'This address does not accept that kind of request.');
  }
  const callback = new URL(req.url ?? '/', parts.issuer);
  const state = callback.searchParams.get('state');
  if (!state || state.length > 200) throw new PageError(400, 'Sign-in refused', `${parts.upstream.label} sent the browser back without the sign-in it belongs to. Go back to the app and connect again.`);
  const record = await parts.logins.find(state);
  const login = record ? open<PendingLogin>(parts.key, state, record.sealed) : undefined;
  if (!login) throw new SignInRefused('expired', expiredSignIn());
  // Used once, whatever follows: a callback delivered in the wrong browser burns the sign-in.
  await parts.logins.destroy(state);
  const interaction = await parts.provider.Interaction.find(login.uid);
  if (interaction) seen.interaction = interaction;
  if (!bindingMatches(req, state, login.bindingHash, parts.secure)) {
    throw new SignInRefused('other_browser', new PageError(
      400,
      'This sign-in was started in another browser',
      'The sign-in link was opened in a different browser than the one that started it, so it was stopped. Go back to the app and connect again from this browser.',
    ));
  }
  clearBindingCookie(res, state, parts.secure);
  if (!interaction) throw new SignInRefused('expired', expiredSignIn());

  const finishWith = async (result: Record<string, unknown>) => {
    interaction.result = result;
    await interaction.save(Math.max(1, (interaction.exp ?? 0) - Math.floor(Date.now() / 1000)));
  };

  const upstreamError = callback.searchParams.get('error');
  if (upstreamError) {
    // The user said no at the upstream, or it refused them: the client hears access_denied, never the upstream's details.
    parts.log(`gatehouse: ${parts.upstream.label} did not sign the user in: ${displayText(upstreamError, 60)}`);
    audit(parts, 'signin.failed', seen, { reason: 'upstream_denied' });
    await finishWith({ error: 'access_denied', error_description: `${parts.upstream.label} did not sign the user in` });
    return seeOther(res, interaction.returnTo);
  }

  const { identity, tokens } = await parts.upstream.finish(callback, login.secrets);
  const refusal = refusalOf(parts.settings, identity);
  if (refusal) {
    parts.log(`gatehouse: refused a sign-in through ${parts.upstream.label}: ${identity.sub} is not on the allow-list`);
    audit(parts, 'signin.failed', seen, { subject: identity.sub, reason: 'not_allowed' });
    await finishWith({ error: 'access_denied', error_description: 'This user may not use this server' });
    sendPage(res, 403, refusedPage(refusal, interaction.returnTo, parts.upstream.label), [], req.method);
    return;
  }
  const pendingId = randomBytes(24).toString('base64url');
  await parts.vault.savePending(pendingId, { identity, tokens }, parts.pendingTtlSec);
  await parts.accounts.remember(identity, parts.pendingTtlSec);
  await finishWith({ login: { accountId: identity.sub, amr: ['ext'] }, upstream: { pending: pendingId } });
  audit(parts, 'signin.succeeded', seen, { subject: identity.sub });
  seeOther(res, interaction.returnTo);
}

function failurePage(parts: CallbackParts, err: unknown): PageError {
  if (err instanceof UpstreamError) {
    parts.log(`gatehouse: upstream sign-in failed [${err.code}]: ${err.message}`);
    const status = err.code === 'ERR_UPSTREAM_UNREACHABLE' ? 504 : 502;
    const advice =
      err.code === 'ERR_UPSTREAM_REFUSED' && /client credentials/.test(err.message)
        ? 'This server is not set up correctly to use it (its client credentials were refused). Tell its administrator; the server log says more.'
        : err.code === 'ERR_UPSTREAM_UNREACHABLE'
          ? `It ${err.summary ?? 'could not be reached'}. Try again in a moment; if it keeps failing, tell this server's administrator.`
          : 'Go back to the app and connect again; if it keeps failing, tell this server\'s administrator.';
    return new PageError(status, `Sign-in at ${parts.upstream.label} failed`, `Signing in at ${parts.upstream.label} did not work. ${advice}`);
  }
  parts.log(`gatehouse: upstream sign-in failed: ${err instanceof Error ? err.message : String(err)}`);
  return new PageError(500, 'Something went wrong', 'The server could not finish this step. Go back to the app and try again.');
}
