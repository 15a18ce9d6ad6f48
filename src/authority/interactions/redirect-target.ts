import { isLoopbackRedirectHost } from '../../http/loopback.js';

/**
 * Where a client will send the user after consent, described for a person:
 * the host of a website, or a warning that the code goes to a program on
 * this computer (loopback) or to an app that registered a URL scheme. Those
 * two are where a malicious client most easily hides, so the consent page
 * highlights them.
 */

export type RedirectKind = 'website' | 'insecure-website' | 'loopback' | 'app';

export interface RedirectTarget {
  kind: RedirectKind;
  /** What to show in bold: a host, `127.0.0.1:33418`, or `cursor://anysphere.cursor-mcp`. */
  label: string;
  /** The whole redirect URI, for those who want to check it. */
  uri: string;
  /** A sentence that explains the kind, or `undefined` for an https website. */
  note?: string;
}

/**
 * Describes a redirect URI (already validated by the authorization server).
 *
 * @example
 * ```ts
 * describeRedirect('https://claude.ai/api/mcp/auth_callback').label; // 'claude.ai'
 * describeRedirect('http://127.0.0.1:33418/').kind; // 'loopback'
 * ```
 */
export function describeRedirect(uri: string): RedirectTarget {
  if (!URL.canParse(uri)) return { kind: 'app', label: uri, uri, note: 'This is not a web address.' };
  const url = new URL(uri);
  if (url.protocol === 'https:') return { kind: 'website', label: url.host, uri };
  if (url.protocol === 'http:') {
    if (isLoopbackRedirectHost(url.hostname)) {
      return {
        kind: 'loopback',
        label: url.host,
        uri,
        note: 'A program running on this computer will receive the access. Continue only if you just started the sign-in from an app on this computer.',
      };
    }
    return { kind: 'insecure-website', label: url.host, uri, note: 'This website does not use an encrypted connection (http).' };
  }
  const label = url.host ? `${url.protocol}//${url.host}` : url.protocol;
  return {
    kind: 'app',
    label,
    uri,
    note: `An app installed on this device that handles "${url.protocol}" links will receive the access. Continue only if you just started the sign-in from that app.`,
  };
}
