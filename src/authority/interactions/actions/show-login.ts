import type { ServerResponse } from 'node:http';
import type { Interaction } from 'oidc-provider';
import { checkUsername } from '../../identity/username.js';
import { csrfToken } from '../csrf.js';
import { loginPage } from '../login-page.js';
import { sendPage } from '../respond.js';
import { clientName } from './client-name.js';
import { actionPaths, formTargets, type InteractionContext } from './context.js';

/** What a sign-in page shown again after a submission carries. */
export interface LoginOutcome {
  username?: string;
  error?: string;
  status?: number;
  retryAfterSec?: number;
}

/**
 * Sends the sign-in page, first shown or again after a refused submission
 * (with its message, status and `Retry-After`).
 *
 * @example
 * ```ts
 * await showLogin(ctx, res, interaction, { username, error: 'Wrong password', status: 200 });
 * ```
 */
export async function showLogin(ctx: InteractionContext, res: ServerResponse, interaction: Interaction, outcome: LoginOutcome = {}, method = 'GET'): Promise<void> {
  const client = await clientName(ctx, interaction);
  const hint = typeof interaction.params.login_hint === 'string' ? checkUsername(interaction.params.login_hint) : undefined;
  const page = loginPage({
    actions: actionPaths(ctx, interaction.uid),
    csrf: csrfToken(interaction),
    clientName: client.name,
    devLogin: ctx.devLogin,
    username: outcome.username ?? (hint?.ok ? hint.username : undefined),
    error: outcome.error,
  });
  if (outcome.retryAfterSec !== undefined) res.setHeader('Retry-After', String(outcome.retryAfterSec));
  sendPage(res, outcome.status ?? 200, page, formTargets(interaction), method);
}
