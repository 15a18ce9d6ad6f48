import { setNoStore } from '../respond.js';
import { interactionEvent, type InteractionStep } from './context.js';

/**
 * `POST <prefix>/interaction/:uid/abort`, and a consent denied: ends the
 * authorization request with `access_denied`, back at the client.
 *
 * @example
 * ```ts
 * await abort(ctx, { req, res, interaction, form });
 * ```
 */
export const abort: InteractionStep = async function abort(ctx, { req, res, interaction }) {
  const error_description = interaction.prompt.name === 'login' ? 'The user cancelled the sign-in' : 'The user denied the request';
  if (interaction.prompt.name === 'consent') ctx.telemetry?.audit?.(interactionEvent('consent.denied', interaction));
  setNoStore(res);
  await ctx.provider.interactionFinished(req, res, { error: 'access_denied', error_description }, { mergeWithLastSubmission: false });
};
