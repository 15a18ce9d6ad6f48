import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { GateRequest } from '../../types.js';

/** Where a request's URL origin comes from when the config has no public URL. */
const PLACEHOLDER_ORIGIN = 'http://localhost';

/** Options for {@link toWebRequest}. */
export interface ToWebRequestOptions {
  /** The body, when it has already been read from the stream. */
  body?: Buffer | Uint8Array;
  /**
   * The origin to put in the Request's URL, e.g. the configured public URL.
   * Defaults to a fixed placeholder: the gate takes its resource URI from the
   * config, so a forged `Host` header never reaches it.
   */
  origin?: string;
  /**
   * Build the origin from the `Host` header, for a gate configured with
   * `trustProxy` (which then reads `X-Forwarded-*` itself).
   */
  trustProxy?: boolean;
  /** Aborts the Request, e.g. when the client disconnects. */
  signal?: AbortSignal;
}

/**
 * Builds headers from `req.rawHeaders`, so duplicates that Node's parser
 * silently drops (a second `Authorization`, for one) survive, joined with
 * ", ", and the gate can refuse them.
 *
 * @example
 * ```ts
 * const headers = headersFromRaw(req.rawHeaders); // two Authorization headers stay two, joined
 * ```
 */
export function headersFromRaw(rawHeaders: readonly string[]): Headers {
  const headers = new Headers();
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    // HTTP/2 pseudo-headers (":path") are not headers.
    if (name.startsWith(':')) continue;
    if (name.toLowerCase() === 'cookie') cookies.push(value);
    else headers.append(name, value);
  }
  if (cookies.length > 0) headers.set('cookie', cookies.join('; '));
  return headers;
}

/** The last configured origin and its normalised form: one per middleware, so parsed once rather than per request. */
let lastOrigin: { input: string; origin: string } | undefined;

function originOf(req: IncomingMessage, options: ToWebRequestOptions): string {
  if (options.origin) {
    if (lastOrigin?.input !== options.origin) lastOrigin = { input: options.origin, origin: new URL(options.origin).origin };
    return lastOrigin.origin;
  }
  if (!options.trustProxy) return PLACEHOLDER_ORIGIN;
  // Only the connection's own Host here; the gate reads X-Forwarded-* itself, with its own checks.
  const encrypted = Boolean((req.socket as { encrypted?: boolean } | undefined)?.encrypted);
  const candidate = `${encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
  if (!URL.canParse(candidate)) return PLACEHOLDER_ORIGIN;
  const url = new URL(candidate);
  return url.pathname === '/' && !url.username && !url.password ? url.origin : PLACEHOLDER_ORIGIN;
}

/**
 * The path and query of the request target. An absolute-form target
 * ("GET http://elsewhere/mcp HTTP/1.1") gives its path only: the origin is
 * never the client's to choose.
 */
function requestTargetOf(target: string | undefined): string {
  if (!target) return '/';
  if (target.startsWith('/')) return target;
  if (!URL.canParse(target)) return '/';
  const url = new URL(target);
  return `${url.pathname}${url.search}`;
}

/**
 * A body stream that reads nothing from `req` until someone reads it, so a
 * Request can be handed to code that may ignore its body (a route that is
 * not ours) and the Node stream stays untouched for the next handler.
 */
function lazyBody(req: Readable): ReadableStream<Uint8Array> {
  let attached = false;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!attached) {
          attached = true;
          req.on('data', function onData(chunk: Buffer | string) {
            controller.enqueue(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
            if ((controller.desiredSize ?? 0) <= 0) req.pause();
          });
          req.once('end', function onEnd() {
            controller.close();
          });
          req.once('error', function onError(err) {
            controller.error(err);
          });
        }
        req.resume();
      },
      cancel() {
        req.resume();
      },
    },
    // highWaterMark 0: pull only when the consumer asks.
    { highWaterMark: 0 },
  );
}

/**
 * Reads headers straight from `req.rawHeaders`, joining repeats with ", "
 * like `Headers` does, without building a `Headers` object.
 */
function rawHeaderReader(rawHeaders: readonly string[]): GateRequest['headers'] {
  return {
    get(name: string): string | null {
      const wanted = name.toLowerCase();
      let value: string | null = null;
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        const candidate = rawHeaders[i]!;
        // Lengths first: lower-casing every header name for every lookup is most of the cost.
        if (candidate.length !== wanted.length || candidate.toLowerCase() !== wanted) continue;
        value = value === null ? rawHeaders[i + 1]! : `${value}, ${rawHeaders[i + 1]!}`;
      }
      return value;
    },
  };
}

/**
 * A request target the URL parser leaves exactly as it is: no dot segments,
 * escapes or backslashes in the path, nothing it would percent-encode, no
 * fragment. Anything else (and a path with `//`) takes the full parse.
 */
const SIMPLE_TARGET = /^(\/[A-Za-z0-9\-_~!$&'()*+,;=:@/]*)(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*)?$/;

/**
 * The light view of a Node request that `gate.authenticate` needs when the
 * body is passed separately: the URL and the headers, with the same origin
 * rules as {@link toWebRequest}. Building a full `Request` costs more than
 * verifying a cached token, and this runs on every MCP request.
 *
 * @example
 * ```ts
 * const { url } = gateRequestOf(req, { origin: 'https://mcp.example.com' });
 * ```
 */
export function gateRequestOf(req: IncomingMessage, options: ToWebRequestOptions = {}): GateRequest & { pathname: string } {
  const origin = originOf(req, options);
  const target = requestTargetOf(req.url);
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = rawHeaderReader(req.rawHeaders);
  const simple = SIMPLE_TARGET.exec(target);
  // The origin is already normalised and the target has nothing the URL parser would rewrite: its href is the concatenation.
  if (simple && !simple[1]!.includes('//')) return { method, url: `${origin}${target}`, pathname: simple[1]!, headers };
  const url = new URL(`${origin}${target}`);
  return { method, url: url.href, pathname: url.pathname, headers };
}

/**
 * Turns a Node `IncomingMessage` into a Web-standard `Request` for the gate.
 *
 * @example
 * ```ts
 * http.createServer(async (req, res) => {
 *   const request = toWebRequest(req, { origin: 'https://mcp.example.com' });
 *   writeWebResponse(res, await gate.fetch(request, handler));
 * });
 * ```
 */
export function toWebRequest(req: IncomingMessage, options: ToWebRequestOptions = {}): Request {
  const method = (req.method ?? 'GET').toUpperCase();
  const target = new URL(`${originOf(req, options)}${requestTargetOf(req.url)}`);
  const init: RequestInit & { duplex?: 'half' } = { method, headers: headersFromRaw(req.rawHeaders) };
  if (options.signal) init.signal = options.signal;
  if (method !== 'GET' && method !== 'HEAD') {
    if (options.body !== undefined) {
      init.body = options.body as Uint8Array<ArrayBuffer>;
      // The body may have been re-serialised (by a JSON parser that ran first): say its real length.
      (init.headers as Headers).delete('transfer-encoding');
      (init.headers as Headers).set('content-length', String(options.body.byteLength));
    } else if (!req.readableEnded) {
      init.body = lazyBody(req);
      init.duplex = 'half';
    }
  }
  return new Request(target, init);
}
