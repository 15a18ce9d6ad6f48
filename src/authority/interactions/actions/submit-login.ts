import { clientAddress } from '../../../server/client-address.js';
import { checkUsername, MAX_USERNAME_LENGTH } from '../../identity/username.js';
import { displayText } from '../html.js';
import { seeOther, setNoStore } from '../respond.js';
import { tooManyAttempts } from '../too-many-attempts.js';
import { actionPaths, interactionEvent, type InteractionStep } from './context.js';
import { showLogin } from './show-login.js';

const WRONG_CREDENTIALS = 'That username and password do not match. Check them and try again.';
const BAD_DEV_USERNAME = `Enter a username of 1 to ${MAX_USERNAME_LENGTH} characters, without spaces.`;

/**
 * `POST <prefix>/interaction/:uid/login`: checks username and password.
 * Every attempt is counted by the throttle before the password is checked;
 * too many (per username or per client address) get the page with 429 and
 * `Retry-After`. Unknown users and wrong passwords get one message alike.
 *
 * @example
 * ```ts
 * await submitLogin(ctx, { req, res, interaction, form });
 * ```
 */
export const submitLogin: InteractionStep = async function submitLogin(ctx, { req, res, interaction, form }) {
  // A second submission after the first one moved the interaction on: show where it is now.
  // Broker mode has no passwords: the page sends the browser to the upstream.
  if (interaction.prompt.name !== 'login' || ctx.broker) return seeOther(res, actionPaths(ctx, interaction.uid).page);
  const username = (form.get('username') ?? '').slice(0, 4 * MAX_USERNAME_LENGTH);
  const password = form.get('password') ?? '';
  const shown = displayText(username, MAX_USERNAME_LENGTH);
  // Counted before the password is checked, known username or not, so parallel guesses cannot all get through.
  const reservation = await ctx.throttle.reserve({ account: throttleAccount(username), address: clientAddress(req, ctx.config.trustProxy) });
  if (!reservation.allowed) {
    const { retryAfterSec } = reservation;
    ctx.telemetry?.audit?.(interactionEvent('ratelimit.hit', interaction, { limit: 'signin', status: 429 }));
    return showLogin(ctx, res, interaction, { username: shown, error: tooManyAttempts(retryAfterSec), status: 429, retryAfterSec });
  }
  let accountId: string | undefined;
  try {
    accountId = await ctx.accounts.verifyPassword(username, password);
  } catch (err) {
    await reservation.release();
    throw err;
  }
  if (!accountId) {
    await reservation.fail();
    // The username typed is no subject (it may be a password typed in the wrong box): only the outcome is recorded.
    ctx.telemetry?.audit?.(interactionEvent('signin.failed', interaction, { reason: 'invalid_credentials' }));
    const error = ctx.devLogin ? BAD_DEV_USERNAME : WRONG_CREDENTIALS;
    return showLogin(ctx, res, interaction, { username: shown, error });
  }
  await reservation.succeed();
  ctx.telemetry?.audit?.(interactionEvent('signin.succeeded', interaction, { subject: accountId }));
  setNoStore(res);
  await ctx.provider.interactionFinished(
    req,
    res,
    { login: { accountId, ...(ctx.devLogin ? {} : { amr: ['pwd'] }) } },
    { mergeWithLastSubmission: false },
  );
};

/** The key a username is throttled under: the account it would sign in as, or the raw text when it is no valid username. */
function throttleAccount(username: string): string {
  const check = checkUsername(username);
  return check.ok ? `user:${check.username}` : `invalid:${username}`;
}
