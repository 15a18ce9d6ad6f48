/**
 * One scripted browser for testing pages: a cookie jar, manual redirects,
 * and forms submitted as a browser would (fields, overrides, formaction).
 * `headlessLogin` runs a whole sign-in; this is for looking at each step.
 */
import { CookieJar } from './cookie-jar.js';
import type { HtmlForm } from './html-form.js';

export class ScriptedBrowser {
  readonly jar = new CookieJar();

  async request(url: URL | string, init: { method?: 'GET' | 'HEAD' | 'POST'; form?: URLSearchParams } = {}): Promise<Response> {
    const target = new URL(url);
    const cookie = this.jar.header(target);
    const response = await fetch(target, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        ...(cookie ? { cookie } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form,
    });
    this.jar.store(target, response);
    return response;
  }

  /** Follows redirects until a page (non-3xx) or a URL starting with `stopAt`. */
  async open(url: URL | string, stopAt: string): Promise<{ url: URL; response?: Response; body?: string }> {
    let current = new URL(url);
    for (let hop = 0; hop < 10; hop++) {
      if (current.href.startsWith(stopAt)) return { url: current };
      const response = await this.request(current);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current);
        continue;
      }
      return { url: current, response, body: await response.text() };
    }
    throw new Error('too many redirects');
  }

  /** Submits a form's fields (with overrides) to its action or a button's formaction. */
  async submit(page: URL, form: HtmlForm, values: Record<string, string | undefined>, formAction?: string): Promise<Response> {
    const body = new URLSearchParams();
    for (const field of form.fields) {
      const value = field.name in values ? values[field.name] : field.value;
      if (value !== undefined) body.append(field.name, value);
    }
    for (const [name, value] of Object.entries(values)) {
      if (value !== undefined && !form.fields.some((f) => f.name === name)) body.append(name, value);
    }
    return this.request(new URL(formAction ?? form.action, page), { form: body });
  }
}
