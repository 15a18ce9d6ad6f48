/**
 * Reads the `<form>`s of an HTML page well enough to submit them from a
 * script: action, method, inputs (with their types and values) and submit
 * buttons. Regex-based on purpose: login and consent pages are small and
 * well-formed, and a DOM parser would be one more dependency.
 */
export interface FormField {
  name: string;
  type: string;
  value: string;
}

export interface SubmitButton {
  name?: string;
  value?: string;
  label: string;
  /** The button's own `formaction`, which replaces the form's action when it is pressed. */
  formAction?: string;
}

export interface HtmlForm {
  action: string;
  method: 'GET' | 'POST';
  fields: FormField[];
  buttons: SubmitButton[];
}

/**
 * Every form of a page, in document order.
 *
 * @example
 * ```ts
 * const [form] = parseForms('<form action="/login" method="post"><input name="login"></form>');
 * form.action; // '/login'
 * ```
 */
export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attributes = parseAttributes(match[1] ?? '');
    const body = match[2] ?? '';
    const fields: FormField[] = [];
    const buttons: SubmitButton[] = [];
    for (const input of body.matchAll(/<input\b([^>]*)>/gi)) {
      const a = parseAttributes(input[1] ?? '');
      const type = (a.type ?? 'text').toLowerCase();
      if (type === 'submit' || type === 'image') {
        buttons.push({ name: a.name, value: a.value, label: a.value ?? '', formAction: a.formaction });
      } else if (a.name !== undefined) {
        if ((type === 'checkbox' || type === 'radio') && !('checked' in a)) continue;
        fields.push({ name: a.name, type, value: a.value ?? '' });
      }
    }
    for (const button of body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      const a = parseAttributes(button[1] ?? '');
      if ((a.type ?? 'submit').toLowerCase() !== 'submit') continue;
      buttons.push({ name: a.name, value: a.value, label: stripTags(button[2] ?? ''), formAction: a.formaction });
    }
    forms.push({
      action: attributes.action ?? '',
      method: (attributes.method ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET',
      fields,
      buttons,
    });
  }
  return forms;
}

function parseAttributes(source: string): Record<string, string | undefined> {
  const attributes: Record<string, string | undefined> = {};
  for (const m of source.matchAll(/([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    const name = (m[1] ?? '').toLowerCase();
    const raw = m[2] ?? m[3] ?? m[4];
    attributes[name] = raw === undefined ? '' : decodeEntities(raw);
  }
  return attributes;
}

function stripTags(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, '')).trim();
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * Decodes the HTML character references that appear in attribute values.
 *
 * @example
 * ```ts
 * decodeEntities('/interaction/a&amp;b&#x2F;c'); // '/interaction/a&b/c'
 * ```
 */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, function decodeOne(whole, ref: string) {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}
