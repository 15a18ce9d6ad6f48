import { PageError } from '../error-page.js';
import { displayText } from '../html.js';
import type { InteractionStep } from './context.js';
import { showConsent } from './show-consent.js';
import { showLogin } from './show-login.js';

/**
 * `GET <prefix>/interaction/:uid`: the page of the prompt oidc-provider is
 * at, sign-in or consent; any other prompt is not supported (501).
 *
 * @example
 * ```ts
 * await showPage(ctx, { req, res, interaction, form });
 * ```
 */
export const showPage: InteractionStep = async function showPage(ctx, { req, res, interaction }) {
  const method = req.method ?? 'GET';
  // Broker mode: the sign-in happens at the upstream, in this browser (see upstream/broker.ts).
  if (interaction.prompt.name === 'login' && ctx.broker) return ctx.broker.startSignIn(res, interaction);
  if (interaction.prompt.name === 'login') return showLogin(ctx, res, interaction, {}, method);
  if (interaction.prompt.name === 'consent') return showConsent(ctx, res, interaction, method);
  throw new PageError(501, 'Not supported', `This server cannot ask for "${displayText(interaction.prompt.name, 40)}". Go back to the app and connect again.`);
};
