/**
 * HTML built with a tagged template that escapes every interpolated value,
 * so a client name or redirect URI (both chosen by whoever registered the
 * client) can never become markup. Only values already wrapped as `SafeHtml`
 * (the output of `html` itself) are inserted as they are.
 */

/** Markup that is safe to insert as it is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: text (escaped), markup from `html`, lists of either, or nothing. */
export type HtmlValue = SafeHtml | string | number | false | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * ```ts
 * escapeHtml('<script>"x"</script>'); // '&lt;script&gt;&quot;x&quot;&lt;/script&gt;'
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  if (value === false || value === null || value === undefined) return '';
  return escapeHtml(String(value));
}

/**
 * Builds markup; every `${value}` is escaped unless it is `SafeHtml`.
 *
 * @example
 * ```ts
 * html`<p>Hello ${name}</p>`.value; // name '<b>' → '<p>Hello &lt;b&gt;</p>'
 * ```
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/**
 * Text from a third party made fit to show: control and invisible format
 * characters removed (a right-to-left override can make `moc.live` read as
 * `evil.com`), whitespace collapsed, and cut to `max` characters.
 *
 * @example
 * ```ts
 * displayText('Evil\u202Emoc.elgoog', 80); // 'Evilmoc.elgoog'
 * ```
 */
export function displayText(text: string, max: number): string {
  const clean = text.replace(/\s+/gu, ' ').replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  const chars = [...clean];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : clean;
}
