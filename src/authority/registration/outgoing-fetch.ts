import type { Configuration } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';

/**
 * How the authority fetches other servers' documents: Client ID Metadata
 * Documents above all (also a client's `jwks_uri`). oidc-provider hands its
 * `fetch` hook a 2.5 s timeout signal and an undici dispatcher that destroys
 * any connection to a private, loopback, link-local or otherwise special-use
 * address before a request is sent (SSRF protection, checked on the
 * connected socket's address, so DNS rebinding does not get around it).
 * This hook keeps that dispatcher unless private addresses are allowed
 * (development, where the client and its document live on this machine),
 * applies the configured timeout, and turns failures into one sentence
 * that says what went wrong.
 */

/** The shape of oidc-provider's `fetch` hook. */
export type FetchHook = NonNullable<Configuration['fetch']>;

/** oidc-provider's init: standard fields plus undici's `dispatcher`. */
type ProviderFetchInit = RequestInit & { dispatcher?: unknown };

/**
 * Whether documents may be fetched from private, loopback and link-local
 * addresses: `cimd.allowPrivateAddresses`, else only in development.
 *
 * @example
 * ```ts
 * cimdAllowsPrivateAddresses(resolveConfig({ publicUrl: 'http://localhost:3000' })); // true
 * ```
 */
export function cimdAllowsPrivateAddresses(config: GatehouseConfig): boolean {
  return config.authority.cimd.allowPrivateAddresses ?? config.authority.env === 'development';
}

/**
 * oidc-provider's `fetch` configuration for the authority.
 * `base` is the fetch that does the work (tests pass one that trusts their
 * own certificate authority); it receives oidc-provider's `dispatcher` when
 * private addresses are refused, and none when they are allowed.
 *
 * @example
 * ```ts
 * new Provider(issuer, { fetch: outgoingFetch(config) });
 * ```
 */
export function outgoingFetch(config: GatehouseConfig, base: FetchHook = (input, init) => globalThis.fetch(input, init)): FetchHook {
  const { timeoutMs } = config.authority.cimd;
  const allowPrivate = cimdAllowsPrivateAddresses(config);

  return async function fetchForAuthority(input, init) {
    const options: ProviderFetchInit = { ...init, signal: AbortSignal.timeout(timeoutMs) };
    if (allowPrivate) delete options.dispatcher;
    try {
      return await base(input, options);
    } catch (cause) {
      throw new Error(`could not fetch ${shownUrl(input)}: ${describeFailure(cause, timeoutMs)}`, { cause });
    }
  };
}

/** Without query or credentials: they could carry secrets. */
function shownUrl(input: string | URL | Request): string {
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const url = URL.parse(href);
  return url ? `${url.origin}${url.pathname}` : 'the document';
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_)/;

function causes(error: unknown): Array<Error & { code?: unknown }> {
  const chain: Array<Error & { code?: unknown }> = [];
  let current: unknown = error;
  while (current instanceof Error && chain.length < 8) {
    chain.push(current as Error & { code?: unknown });
    current = current.cause;
  }
  return chain;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const chain = causes(error);
  if (chain.some((e) => e.name === 'TimeoutError' || e.name === 'AbortError')) return `no answer within ${timeoutMs} ms (authority.cimd.timeoutMs)`;
  if (chain.some((e) => /special-use IP address/.test(e.message))) {
    return 'its host is a private, loopback or link-local address, which is refused outside development (authority.cimd.allowPrivateAddresses)';
  }
  const code = chain.map((e) => e.code).find((c): c is string => typeof c === 'string');
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its host name does not resolve';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was closed before an answer';
  if (code && TLS_CODES.test(code)) return `its TLS certificate is not trusted (${code})`;
  const innermost = chain.at(-1);
  return innermost ? innermost.message : String(error);
}
