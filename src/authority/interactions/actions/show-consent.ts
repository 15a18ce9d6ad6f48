import type { ServerResponse } from 'node:http';
import type { Interaction } from 'oidc-provider';
import { consentRequest } from '../consent-details.js';
import { consentPage } from '../consent-page.js';
import { csrfToken } from '../csrf.js';
import { expiredSignIn } from '../error-page.js';
import { describeRedirect } from '../redirect-target.js';
import { sendPage } from '../respond.js';
import { clientName } from './client-name.js';
import { actionPaths, formTargets, type InteractionContext } from './context.js';

/**
 * Sends the consent page: who asks, for which resources, with which of the
 * requested scopes this user may be granted.
 *
 * @example
 * ```ts
 * if (interaction.prompt.name === 'consent') await showConsent(ctx, res, interaction, 'GET');
 * ```
 */
export async function showConsent(ctx: InteractionContext, res: ServerResponse, interaction: Interaction, method: string): Promise<void> {
  const accountId = interaction.session?.accountId;
  if (!accountId) throw expiredSignIn();
  const request = consentRequest(interaction);
  // Only what this user may be granted: a restricted scope they are not entitled to is never offered.
  const grantable = new Set(await ctx.accounts.grantableScopes(accountId, request.scopes.map((scope) => scope.name)));
  const redirect = describeRedirect(String(interaction.params.redirect_uri ?? ''));
  const paths = actionPaths(ctx, interaction.uid);
  const page = consentPage({
    actions: { ...paths, switchAccount: paths.switch },
    csrf: csrfToken(interaction),
    devLogin: ctx.devLogin,
    client: await clientName(ctx, interaction),
    accountId,
    redirect,
    scopes: request.scopes.filter((scope) => grantable.has(scope.name)),
    resources: (request.resources.length ? request.resources : [ctx.mcpResource]).map((uri) => ({
      uri,
      name: uri === ctx.mcpResource ? ctx.config.resourceName : undefined,
    })),
    additional: Boolean(interaction.grantId) && request.missing,
  });
  sendPage(res, 200, page, formTargets(interaction), method);
}
