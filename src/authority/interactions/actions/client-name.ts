import type { Interaction } from 'oidc-provider';
import { expiredSignIn } from '../error-page.js';
import { displayText } from '../html.js';
import type { InteractionContext } from './context.js';

/**
 * The client of an interaction as the pages show it: its registered name
 * (or its id when it has none) and its id, both cut to a displayable length.
 * A client that no longer exists ends the sign-in.
 *
 * @example
 * ```ts
 * const { name, id } = await clientName(ctx, interaction);
 * ```
 */
export async function clientName(ctx: InteractionContext, interaction: Interaction): Promise<{ name: string; id: string }> {
  const id = String(interaction.params.client_id ?? '');
  const client = await ctx.provider.Client.find(id);
  if (!client) throw expiredSignIn();
  const name = displayText(client.clientName ?? '', 80);
  return { name: name || displayText(id, 200), id: displayText(id, 200) };
}
