import { expiredSignIn } from '../error-page.js';
import { seeOther } from '../respond.js';
import type { InteractionStep } from './context.js';

/**
 * `POST <prefix>/interaction/:uid/switch`: signs the browser out and
 * restarts the same authorization request, which then asks who is signing in.
 *
 * @example
 * ```ts
 * await switchAccount(ctx, { req, res, interaction, form });
 * ```
 */
export const switchAccount: InteractionStep = async function switchAccount(ctx, { res, interaction }) {
  const sessionUid = interaction.session?.uid;
  const session = sessionUid ? await ctx.provider.Session.findByUid(sessionUid) : undefined;
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
};
