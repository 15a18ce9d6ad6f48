import { describeFetchFailure, isJsonObject, parseJson } from '../discovery/http.js';
import { readCapped } from '../gate/read-body.js';

/**
 * The doctor's HTTP: plain `fetch` with a timeout, responses kept whole
 * (status, headers, body) for the checks to read, network failures turned
 * into words, and GETs remembered so that seven client profiles asking for
 * the same document cost one request.
 */

/** One request and what came back. `status` is 0 when nothing came back. */
export interface Exchange {
  /** The URL asked for. */
  url: string;
  /** Where a redirect within the origin led, when one was followed. */
  finalUrl?: string;
  method: string;
  status: number;
  headers: Headers;
  body: string;
  /** The body as a JSON object, when it is one. */
  json: Record<string, unknown> | undefined;
  /** Why no response came (`connection refused`, `timed out after 10000 ms`...). */
  error?: string;
  /** A redirect to another origin, not followed (the MCP SDK does not follow those either). */
  crossOriginRedirect?: string;
}

/** Bodies beyond this are not read (and count as empty): metadata documents are a few kilobytes. */
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;

async function readBody(response: Response): Promise<string> {
  const bytes = response.body ? await readCapped(response.body, MAX_BODY_BYTES) : null;
  return bytes ? new TextDecoder().decode(bytes) : '';
}

/** Node's `fetch failed` hides the reason in `cause`; name the common ones in words. */
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate signed by an unknown authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate signed by an unknown authority',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host name',
};

function describeFailure(err: unknown, timeoutMs: number): string {
  const phrase = describeFetchFailure(err, timeoutMs);
  const code = /^network error \((.+)\)$/.exec(phrase)?.[1];
  const words = code ? NETWORK_CODES[code] : undefined;
  return words ? `${words} (${code})` : phrase;
}

/** Options of a `Prober`. */
export interface ProberOptions {
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * Sends the doctor's requests.
 *
 * @example
 * ```ts
 * const http = new Prober({ timeoutMs: 10_000 });
 * const prm = await http.get('https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
 * if (prm.status === 200 && prm.json) console.log(prm.json.resource);
 * ```
 */
export class Prober {
  readonly #options: ProberOptions;
  readonly #cache = new Map<string, Promise<Exchange>>();

  constructor(options: ProberOptions) {
    this.#options = options;
  }

  /** A GET, remembered per URL and headers. Redirects within the origin are followed. */
  get(url: string, headers: Record<string, string> = {}): Promise<Exchange> {
    const key = `${url} ${JSON.stringify(headers)}`;
    let exchange = this.#cache.get(key);
    if (!exchange) {
      exchange = this.send(url, { method: 'GET', headers: { Accept: 'application/json', ...headers } });
      this.#cache.set(key, exchange);
    }
    return exchange;
  }

  /**
   * Any request, never remembered. Redirects within the origin are followed
   * for GET and HEAD only, unless `follow` is false (an authorization
   * endpoint's first answer is the one to judge).
   */
  async send(url: string, init: RequestInit & { method: string }, follow = true): Promise<Exchange> {
    const doFetch = this.#options.fetch ?? globalThis.fetch;
    let current = url;
    for (let hop = 0; ; hop++) {
      let response: Response;
      let body: string;
      try {
        response = await doFetch(current, { ...init, redirect: 'manual', signal: AbortSignal.timeout(this.#options.timeoutMs) });
        body = await readBody(response);
      } catch (err) {
        return { url, ...(current !== url ? { finalUrl: current } : {}), method: init.method, status: 0, headers: new Headers(), body: '', json: undefined, error: describeFailure(err, this.#options.timeoutMs) };
      }
      const exchange: Exchange = { url, ...(current !== url ? { finalUrl: current } : {}), method: init.method, status: response.status, headers: response.headers, body, json: asObject(body) };
      const location = response.headers.get('location');
      if (response.status < 300 || response.status > 399 || !location || !URL.canParse(location, current)) return exchange;
      const target = new URL(location, current);
      if (target.origin !== new URL(current).origin) return { ...exchange, crossOriginRedirect: target.href };
      if (!follow || hop >= MAX_REDIRECTS || !['GET', 'HEAD'].includes(init.method)) return exchange;
      current = target.href;
    }
  }
}

function asObject(body: string): Record<string, unknown> | undefined {
  const value = parseJson(body);
  return isJsonObject(value) ? value : undefined;
}

/**
 * What a response was, in a few words: `404`, `200 but not JSON`, `connection refused (ECONNREFUSED)`.
 *
 * @example
 * ```ts
 * `PRM at ${exchange.url}: ${outcome(exchange)}`;
 * ```
 */
export function outcome(exchange: Exchange): string {
  if (exchange.error) return exchange.error;
  if (exchange.crossOriginRedirect) return `${exchange.status} redirect to ${exchange.crossOriginRedirect}`;
  if (exchange.status >= 200 && exchange.status < 300 && !exchange.json) return `${exchange.status} but not a JSON object`;
  return String(exchange.status);
}

/** A 2xx whose body is a JSON object. */
export function isJsonDocument(exchange: Exchange): exchange is Exchange & { json: Record<string, unknown> } {
  return exchange.status >= 200 && exchange.status < 300 && exchange.json !== undefined;
}
