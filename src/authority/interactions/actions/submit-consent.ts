import { grantConsent } from '../consent-details.js';
import { expiredSignIn } from '../error-page.js';
import { seeOther, setNoStore } from '../respond.js';
import { abort } from './abort.js';
import { actionPaths, interactionEvent, type InteractionStep } from './context.js';

/**
 * `POST <prefix>/interaction/:uid/confirm`: the user's decision on the
 * consent page; approved, the grant is saved and the flow goes on, denied,
 * it ends as `abort` does.
 *
 * @example
 * ```ts
 * await submitConsent(ctx, { req, res, interaction, form });
 * ```
 */
export const submitConsent: InteractionStep = async function submitConsent(ctx, request) {
  const { req, res, interaction, form } = request;
  if (form.get('decision') === 'deny') return abort(ctx, request);
  if (interaction.prompt.name !== 'consent') return seeOther(res, actionPaths(ctx, interaction.uid).page);
  const accountId = interaction.session?.accountId;
  if (!accountId) throw expiredSignIn();
  const grantId = await grantConsent(ctx.provider, interaction, accountId);
  // Broker mode: the upstream tokens of this sign-in now belong to the grant; gone (expired), the sign-in starts over.
  if (ctx.broker && !(await ctx.broker.bindTokens(interaction, grantId))) throw expiredSignIn();
  ctx.telemetry?.audit?.(interactionEvent('consent.granted', interaction, { subject: accountId }));
  setNoStore(res);
  await ctx.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
};
