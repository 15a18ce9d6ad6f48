import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The anti-forgery token of an interaction's forms: an HMAC of the
 * interaction's uid keyed with its `cid`, a random value oidc-provider keeps
 * server-side with the interaction and never sends out. Only the page served
 * for this interaction (to the browser holding its cookie) contains it, so a
 * form posted from anywhere else is refused. It lives as long as the
 * interaction, survives a restart with a persistent store, and needs no
 * secret of Gatehouse's own.
 */

/** The hidden form field that carries the token. */
export const CSRF_FIELD = 'csrf';

interface InteractionIdentity {
  uid: string;
  cid?: string;
}

/**
 * The token to embed in this interaction's forms.
 *
 * @example
 * ```ts
 * html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(interaction)}">`;
 * ```
 */
export function csrfToken(interaction: InteractionIdentity): string {
  // Without a cid there is no secret to derive from: a token nobody can match.
  if (!interaction.cid) return '';
  return createHmac('sha256', interaction.cid).update(`gatehouse/interaction-csrf/v1:${interaction.uid}`).digest('base64url');
}

/**
 * Whether a submitted token is this interaction's, compared in constant time.
 *
 * @example
 * ```ts
 * if (!csrfTokenMatches(interaction, form.get(CSRF_FIELD))) return forbidden();
 * ```
 */
export function csrfTokenMatches(interaction: InteractionIdentity, submitted: string | null | undefined): boolean {
  const expected = csrfToken(interaction);
  if (!expected || typeof submitted !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}
