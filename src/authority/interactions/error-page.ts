import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

/** A page the interaction routes answer with instead of a form. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
    this.name = 'PageError';
  }
}

/** The sign-in expired, finished, or was opened in another browser. */
export function expiredSignIn(): PageError {
  return new PageError(
    400,
    'This sign-in has expired',
    'The sign-in link has expired, was already used, or was opened in a different browser. Go back to the app and connect again.',
  );
}

/** The form did not carry this interaction's anti-forgery token. */
export function forgedForm(): PageError {
  return new PageError(403, 'Request refused', 'This form was not sent from the sign-in page it belongs to. Go back to the app and connect again.');
}

/**
 * The page shown for a `PageError`: a heading, what happened and what to do.
 *
 * @example
 * ```ts
 * sendPage(res, err.status, errorPage(err, config));
 * ```
 */
export function errorPage(error: PageError, devLogin: boolean): SafeHtml {
  return layout({ title: error.title, devLogin }, html`<h1>${error.title}</h1>
<p>${error.message}</p>`);
}
