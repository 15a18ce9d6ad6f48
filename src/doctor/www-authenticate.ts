/**
 * `WWW-Authenticate` read two ways: as RFC 7235 defines it (several
 * challenges, quoted strings with escapes, tokens), and as the MCP SDK reads
 * it (a header that starts with `Bearer`, one regex per parameter). When the
 * two disagree, some clients see something else than the server meant.
 */

/** One challenge: `Bearer realm="x", scope="a b"` → `{ scheme: 'Bearer', params: { realm: 'x', scope: 'a b' } }`. */
export interface Challenge {
  scheme: string;
  /** Parameter names lower-cased. */
  params: Record<string, string>;
  token68?: string;
  /** Parameter names that appeared more than once (the last value is in `params`). */
  repeated?: string[];
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
/** `name=value`; a `=` followed by another `=`, a comma or the end is token68 padding instead. */
const PARAM = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*=\s*(?![=,]|$)/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/;

/**
 * Parses a `WWW-Authenticate` value into its challenges (RFC 7235 §4.1).
 * Malformed parts end the parse; what was read so far is returned.
 *
 * @example
 * ```ts
 * parseChallenges('Basic realm="a", Bearer resource_metadata="https://x/.well-known/oauth-protected-resource"');
 * // [{ scheme: 'Basic', params: { realm: 'a' } }, { scheme: 'Bearer', params: { resource_metadata: 'https://x/...' } }]
 * ```
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = header;
  const skip = (pattern: RegExp) => void (rest = rest.replace(pattern, ''));

  for (;;) {
    skip(/^[\s,]+/);
    const scheme = TOKEN.exec(rest)?.[0];
    if (!scheme) return challenges;
    rest = rest.slice(scheme.length);
    const challenge: Challenge = { scheme, params: {} };
    challenges.push(challenge);
    skip(/^\s+/);
    const token68 = PARAM.test(rest) ? undefined : TOKEN68.exec(rest)?.[0];
    if (token68) {
      challenge.token68 = token68;
      rest = rest.slice(token68.length);
      continue;
    }
    // auth-params until something that is not `name = value` (the next challenge's scheme).
    for (;;) {
      skip(/^[\s,]+/);
      const param = PARAM.exec(rest);
      if (!param) break;
      rest = rest.slice(param[0].length);
      const value = readValue();
      if (value === undefined) return challenges;
      const name = param[1]!.toLowerCase();
      if (Object.hasOwn(challenge.params, name)) (challenge.repeated ??= []).push(name);
      challenge.params[name] = value;
    }
  }

  function readValue(): string | undefined {
    if (rest.startsWith('"')) {
      let value = '';
      for (let i = 1; i < rest.length; i++) {
        const char = rest[i]!;
        if (char === '\\' && i + 1 < rest.length) value += rest[++i];
        else if (char === '"') {
          rest = rest.slice(i + 1);
          return value;
        } else value += char;
      }
      return undefined;
    }
    const token = TOKEN.exec(rest)?.[0];
    if (token === undefined) return undefined;
    rest = rest.slice(token.length);
    return token;
  }
}

/** What the MCP SDK client (`extractWWWAuthenticateParams`) reads from the same header. */
export interface SdkChallengeView {
  /** False when the header does not start with `Bearer ` and the SDK ignores all of it. */
  readsHeader: boolean;
  resourceMetadata?: string;
  scope?: string;
  error?: string;
}

function sdkField(header: string, name: string): string | undefined {
  const match = new RegExp(`${name}=(?:"([^"]+)"|([^\\s,]+))`).exec(header);
  return match ? (match[1] ?? match[2]) : undefined;
}

/**
 * Reads the header the way the MCP SDK does.
 *
 * @example
 * ```ts
 * sdkChallengeView('Bearer resource_metadata="https://x/prm"').resourceMetadata; // 'https://x/prm'
 * ```
 */
export function sdkChallengeView(header: string): SdkChallengeView {
  const [type, rest] = header.split(' ');
  if (type?.toLowerCase() !== 'bearer' || !rest) return { readsHeader: false };
  return {
    readsHeader: true,
    resourceMetadata: sdkField(header, 'resource_metadata'),
    scope: sdkField(header, 'scope'),
    error: sdkField(header, 'error'),
  };
}
