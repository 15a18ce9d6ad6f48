import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, type Interaction } from 'oidc-provider';
import { expiredSignIn } from '../error-page.js';
import type { InteractionContext } from './context.js';

/**
 * The interaction this browser is in, read from its cookie by oidc-provider.
 * The cookie names the interaction; the URL must agree, or the sign-in is
 * treated as expired (a link opened in another browser, or a stale tab).
 *
 * @example
 * ```ts
 * const interaction = await loadInteraction(ctx, req, res, route.uid);
 * ```
 */
export async function loadInteraction(ctx: InteractionContext, req: IncomingMessage, res: ServerResponse, uid: string): Promise<Interaction> {
  let interaction: Interaction;
  try {
    interaction = await ctx.provider.interactionDetails(req, res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) throw expiredSignIn();
    throw err;
  }
  if (interaction.uid !== uid) throw expiredSignIn();
  return interaction;
}
