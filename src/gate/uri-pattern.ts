/**
 * Resource URI patterns of `scopes.resources`: the exact URI, or one where
 * `*` stands for any run of characters (slashes included). Nothing else is
 * special (no regex, so a pattern cannot inject one), and matching is linear
 * in practice (the classic two-pointer glob, no backtracking blow-up).
 *
 * Matching fails closed: it ignores case and is tried on the URI as sent,
 * percent-decoded, and with dot segments resolved, and any match counts. So
 * `file:///public/../secret/key` or `file:///%73ecret/key` still needs what
 * `file:///secret/*` needs, even if the server resolves them to that file.
 */

/** Percent-decodings tried at most: `%2573` → `%73` → `s`. */
const MAX_DECODES = 3;

/**
 * Whether `text` matches `pattern` (both already lower-cased), `*` matching
 * any run of characters.
 *
 * @example
 * ```ts
 * globMatches('file:///docs/*', 'file:///docs/a/b.md'); // true
 * globMatches('file:///docs/*.md', 'file:///docs/a.txt'); // false
 * ```
 */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

function resolved(uri: string): string | undefined {
  try {
    return new URL(uri).href;
  } catch {
    return undefined;
  }
}

/**
 * The spellings of a URI a pattern is tried on, lower-cased: as sent,
 * percent-decoded (up to three times), and each with dot segments resolved
 * by the URL parser.
 *
 * @example
 * ```ts
 * uriSpellings('file:///a/../%53ecret'); // ['file:///a/../%53ecret', 'file:///%53ecret', 'file:///a/../secret', 'file:///secret']
 * ```
 */
export function uriSpellings(uri: string): string[] {
  const spellings = new Set<string>();
  let current = uri;
  for (let i = 0; i <= MAX_DECODES; i++) {
    spellings.add(current.toLowerCase());
    const href = resolved(current);
    if (href !== undefined) spellings.add(href.toLowerCase());
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      break;
    }
    if (decoded === current) break;
    current = decoded;
  }
  return [...spellings];
}

/** Compiled patterns: exact ones looked up, globs tried in turn. */
export interface UriPatterns<T> {
  readonly size: number;
  /** The values of every pattern some spelling of `uri` matches. */
  matching(uri: string): T[];
}

/**
 * Compiles `scopes.resources`-style patterns once per config.
 *
 * @example
 * ```ts
 * const patterns = compileUriPatterns({ 'file:///secret/*': ['files:secret'] });
 * patterns.matching('file:///public/../secret/key'); // [['files:secret']]
 * ```
 */
export function compileUriPatterns<T>(patterns: Record<string, T>): UriPatterns<T> {
  const exact = new Map<string, T[]>();
  const globs: { pattern: string; value: T }[] = [];
  for (const [raw, value] of Object.entries(patterns)) {
    const pattern = raw.toLowerCase();
    if (pattern.includes('*')) globs.push({ pattern, value });
    else exact.set(pattern, [...(exact.get(pattern) ?? []), value]);
  }
  return {
    size: exact.size + globs.length,
    matching(uri) {
      const found = new Set<T>();
      for (const spelling of uriSpellings(uri)) {
        for (const value of exact.get(spelling) ?? []) found.add(value);
        for (const glob of globs) if (globMatches(glob.pattern, spelling)) found.add(glob.value);
      }
      return [...found];
    },
  };
}
