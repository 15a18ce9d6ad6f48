import { SafeHtml, html } from './html.js';
import { PAGE_CSS } from './styles.js';

// Trusted, constant markup whose hash is in the CSP: inserted as it is.
const STYLESHEET = new SafeHtml(PAGE_CSS);

export interface LayoutOptions {
  /** The document title, before " · Gatehouse". */
  title: string;
  /** Shows the development sign-in banner at the top of the page. */
  devLogin: boolean;
}

/**
 * The frame of every page: language, viewport for phones, the inline
 * stylesheet, the development banner when dev sign-in is on, and one
 * `<main>` landmark holding the page's card.
 *
 * @example
 * ```ts
 * layout({ title: 'Sign in', devLogin: true }, html`<h1>Sign in</h1>`);
 * ```
 */
export function layout(options: LayoutOptions, content: SafeHtml): SafeHtml {
  const banner = options.devLogin
    ? html`<p class="dev" role="note"><strong>Development sign-in</strong> · any username works, no password needed. Not for production use.</p>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${options.title} · Gatehouse</title>
<style>${STYLESHEET}</style>
</head>
<body>
${banner}
<main>
<div class="card">
${content}
</div>
</main>
</body>
</html>
`;
}
