import type { Interaction } from 'oidc-provider';
import { CSRF_FIELD, csrfTokenMatches } from '../csrf.js';
import { forgedForm } from '../error-page.js';

/**
 * Refuses a form that does not carry this interaction's anti-forgery token: 403.
 *
 * @example
 * ```ts
 * checkCsrf(interaction, await readForm(req));
 * ```
 */
export function checkCsrf(interaction: Interaction, form: URLSearchParams): void {
  if (!csrfTokenMatches(interaction, form.get(CSRF_FIELD))) throw forgedForm();
}
