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
 * applies the configured timeout and size limit, and turns failures into
 * one sentence that says what went wrong.
 *
 * The size limit is enforced here as well as by oidc-provider's
 * `fetchResponseBodyLimits`: oidc-provider 9.13 cancels a body it is still
 * iterating, which fails with "ReadableStream is locked" instead of its own
 * message and leaves the connection open until the timeout. Cutting the
 * stream here reports the limit and releases the connection at once.
 *
 * A failed fetch is remembered for a few seconds: oidc-provider looks an
 * unknown client up a second time to render the authorization error, which
 * would fetch (and wait for a timeout) twice.
 */

/** The shape of oidc-provider's `fetch` hook. */
export type FetchHook = NonNullable<Configuration['fetch']>;

/** oidc-provider's init: standard fields plus undici's `dispatcher`. */
type ProviderFetchInit = RequestInit & { dispatcher?: unknown };

/** How long a failed fetch of a URL is answered with the same error. */
const FAILURE_MEMORY_MS = 5000;
const FAILURE_MEMORY_ENTRIES = 100;

/** Statuses whose responses cannot be rebuilt with a body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

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
 * oidc-provider's `fetch` configuration for the authority. Every document it
 * fetches (`GET`) is capped at `cimd.maxBytes`. `base` is the fetch that does
 * the work (tests pass one that trusts their own certificate authority); it
 * receives oidc-provider's `dispatcher` when private addresses are refused,
 * and none when they are allowed.
 *
 * @example
 * ```ts
 * new Provider(issuer, { fetch: outgoingFetch(config) });
 * ```
 */
export function outgoingFetch(config: GatehouseConfig, base: FetchHook = (input, init) => globalThis.fetch(input, init)): FetchHook {
  const { timeoutMs, maxBytes } = config.authority.cimd;
  const allowPrivate = cimdAllowsPrivateAddresses(config);
  const failures = new Map<string, { error: Error; until: number }>();

  function remember(key: string, error: Error): Error {
    if (failures.size >= FAILURE_MEMORY_ENTRIES) failures.delete(failures.keys().next().value!);
    failures.set(key, { error, until: Date.now() + FAILURE_MEMORY_MS });
    return error;
  }

  return async function fetchForAuthority(input, init) {
    const shown = shownUrl(input);
    const method = (init?.method ?? 'GET').toUpperCase();
    const key = `${method} ${typeof input === 'string' ? input : input instanceof URL ? input.href : input.url}`;
    const failed = failures.get(key);
    if (failed && failed.until > Date.now()) throw failed.error;
    failures.delete(key);

    const options: ProviderFetchInit = { ...init, signal: AbortSignal.timeout(timeoutMs) };
    if (allowPrivate) delete options.dispatcher;
    let response: Response;
    try {
      response = await base(input, options);
    } catch (cause) {
      throw remember(key, new Error(`could not fetch ${shown}: ${describeFailure(cause, timeoutMs)}`, { cause }));
    }
    if (method !== 'GET') return response;
    return limitBody(response, { maxBytes, shown, timeoutMs, onFailure: (error) => remember(key, error) });
  };
}

interface BodyLimit {
  maxBytes: number;
  shown: string;
  timeoutMs: number;
  onFailure: (error: Error) => Error;
}

async function limitBody(response: Response, { maxBytes, shown, timeoutMs, onFailure }: BodyLimit): Promise<Response> {
  const tooLarge = `could not fetch ${shown}: it is larger than ${maxBytes} bytes (authority.cimd.maxBytes)`;
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw onFailure(new Error(tooLarge));
  }
  if (!response.body || NULL_BODY_STATUSES.has(response.status)) return response;

  const reader = response.body.getReader();
  let received = 0;
  const limited = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        controller.error(onFailure(new Error(`could not fetch ${shown}: ${describeFailure(cause, timeoutMs)}`, { cause })));
        return;
      }
      if (chunk.done) {
        controller.close();
        return;
      }
      received += chunk.value.byteLength;
      if (received > maxBytes) {
        await reader.cancel().catch(() => undefined);
        controller.error(onFailure(new Error(tooLarge)));
        return;
      }
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers });
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
