/**
 * One sign-in page opened by a fresh scripted browser of a pages authority,
 * with what a test needs to forge or replay its form: the interaction's id,
 * the browser's cookies for it and the page's anti-forgery token. And the
 * proof that nobody signed in: the interaction has no result.
 */
import type { HtmlForm } from '../helpers/html-form.js';
import { parseForms } from '../helpers/html-form.js';
import { ScriptedBrowser } from '../helpers/scripted-browser.js';
import type { PagesAuthority } from './pages-authority.js';

export interface OpenSignIn {
  browser: ScriptedBrowser;
  /** The page's URL, `<origin>/oauth/interaction/<uid>`. */
  url: URL;
  uid: string;
  form: HtmlForm;
  /** The `Cookie` header this browser sends to the page (the interaction cookie, path-scoped to it). */
  cookie: string;
  /** The anti-forgery token of the page's form. */
  csrf: string;
}

/**
 * Starts an authorization request in a new browser and stops at its sign-in page.
 *
 * @example
 * ```ts
 * const page = await openSignIn(as);
 * await fetch(new URL(`${page.url.pathname}/login`, page.url), { method: 'POST', headers: { cookie: page.cookie } });
 * ```
 */
export async function openSignIn(as: PagesAuthority): Promise<OpenSignIn> {
  const browser = new ScriptedBrowser();
  const page = await browser.open(as.authorize().url, as.redirectUri);
  if (page.response?.status !== 200 || !page.body) throw new Error(`no sign-in page at ${page.url.href}`);
  const form = parseForms(page.body)[0];
  const csrf = form?.fields.find((field) => field.name === 'csrf')?.value;
  if (!form || !csrf) throw new Error(`no sign-in form with an anti-forgery token at ${page.url.href}`);
  const uid = page.url.pathname.split('/').pop()!;
  return { browser, url: page.url, uid, form, cookie: browser.jar.header(page.url), csrf };
}

/**
 * What the interaction's form posts have decided (a sign-in, a consent or
 * a refusal), or `undefined` while nothing has: the state check behind
 * "signs nobody in", independent of what the page said.
 *
 * @example
 * ```ts
 * expect(await interactionResult(as, page.uid)).toBeUndefined();
 * ```
 */
export async function interactionResult(as: PagesAuthority, uid: string): Promise<unknown> {
  const interaction = await as.provider.Interaction.find(uid);
  if (!interaction) throw new Error(`interaction ${uid} is gone`);
  return interaction.result;
}
