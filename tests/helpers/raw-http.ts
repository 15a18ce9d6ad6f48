/**
 * HTTP requests exactly as written, for requests `fetch` refuses to send:
 * two `Authorization` headers, raw bytes above 0x7F in a header, headers
 * larger than a server accepts. Built on `node:http`, one connection each.
 */
import { request } from 'node:http';
import { parseChallenges } from '../../src/doctor/www-authenticate.js';

export interface RawRequest {
  method?: string;
  /**
   * Header lines in order; a name may repeat. Values are sent as latin1
   * bytes. As an object, an array value sends its header once per item.
   */
  headers?: [string, string][] | Record<string, string | string[]>;
  body?: string | Uint8Array;
  /** The local address to send from, e.g. `127.0.0.2`: a second client on loopback, which `fetch` cannot be. */
  localAddress?: string;
}

export interface RawResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", " (`set-cookie` too). */
  headers: Record<string, string>;
  body: string;
}

function headerLines(headers: Record<string, string | string[]>): [string, string][] {
  return Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v): [string, string] => [name, v]));
}

/**
 * Sends one request and reads the whole response.
 *
 * @example
 * ```ts
 * const res = await rawRequest('http://127.0.0.1:3000/mcp', {
 *   headers: [['authorization', 'Bearer a'], ['authorization', 'Bearer b']],
 * });
 * res.status; // 400
 * ```
 */
export function rawRequest(url: string, options: RawRequest = {}): Promise<RawResponse> {
  const target = new URL(url);
  const lines = Array.isArray(options.headers) ? options.headers : headerLines(options.headers ?? {});
  // With headers given as an array, node:http adds no Host; HTTP/1.1 servers answer 400 without one.
  const flat = lines.some(([name]) => name.toLowerCase() === 'host') ? lines.flat() : [['host', target.host], ...lines].flat();
  if (options.body !== undefined) flat.push('content-length', String(Buffer.byteLength(options.body)));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        // An array keeps duplicates and order, exactly like `rawHeaders`.
        headers: flat,
        agent: false,
        localAddress: options.localAddress,
      },
      function collect(res) {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            const name = res.rawHeaders[i]!.toLowerCase();
            const value = res.rawHeaders[i + 1]!;
            headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Options of {@link startUpload}. */
export interface UploadOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as `Content-Length` (and never reached); without it the body is chunked. */
  declaredLength?: number;
  /**
   * `hold`: send one 1 KiB piece of the body, then nothing more.
   * `stream`: send 64 KiB pieces, each once the last one is written, until
   * the server answers or `streamBytes` are sent (then end the body).
   */
  mode: 'hold' | 'stream';
  /** The whole body in `stream` mode. Default 8 MiB. */
  streamBytes?: number;
  /** Sent before the filler (e.g. a form's real fields), counted in `streamBytes`. */
  prefix?: string;
}

/** An upload under way; see {@link startUpload}. */
export interface Upload {
  /** The response, as soon as it is complete, whatever the client has still to send. */
  response: Promise<RawResponse>;
  /** Body bytes written so far. */
  readonly sent: number;
  /** Whether the client had sent its whole body when the response arrived (never in `hold` mode). */
  readonly finishedBeforeAnswer: boolean;
  /** Ends the connection. */
  close(): void;
}

/**
 * Starts a request whose body is slow or huge, to see whether (and how) the
 * server answers before the body is complete: the answer to a request
 * without a token must not wait for its body.
 *
 * @example
 * ```ts
 * const upload = startUpload(`${origin}/mcp`, { method: 'POST', mode: 'hold', declaredLength: 64 * 1024 * 1024 });
 * (await upload.response).status; // 401
 * upload.close();
 * ```
 */
export function startUpload(url: string, options: UploadOptions): Upload {
  const target = new URL(url);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.declaredLength !== undefined) headers['content-length'] = String(options.declaredLength);
  const total = options.streamBytes ?? 8 * 1024 * 1024;
  let sent = 0;
  let ended = false;
  let answered = false;
  let finishedBeforeAnswer = false;
  const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: options.method ?? 'POST', headers, agent: false });
  const response = new Promise<RawResponse>((resolve, reject) => {
    req.once('response', function collect(res) {
      answered = true;
      finishedBeforeAnswer = ended;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const received: Record<string, string> = {};
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) received[res.rawHeaders[i]!.toLowerCase()] = res.rawHeaders[i + 1]!;
        resolve({ status: res.statusCode ?? 0, headers: received, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    // Once answered, a server that stops reading may reset the connection under the unsent rest: that is the point.
    req.on('error', (err) => (answered ? undefined : reject(err)));
  });
  const piece = Buffer.alloc(options.mode === 'hold' ? 1024 : 64 * 1024, 0x20);
  req.flushHeaders();
  if (options.prefix) {
    const first = Buffer.from(options.prefix, 'utf8');
    sent += first.length;
    req.write(first);
  }
  function pump() {
    if (answered || req.destroyed) return;
    if (sent >= total) {
      ended = true;
      return void req.end();
    }
    sent += piece.length;
    req.write(piece, options.mode === 'stream' ? pump : undefined);
  }
  pump();
  return {
    response,
    get sent() {
      return sent;
    },
    get finishedBeforeAnswer() {
      return finishedBeforeAnswer;
    },
    close: () => req.destroy(),
  };
}

/**
 * Parses the parameters of a `WWW-Authenticate: Bearer ...` challenge.
 *
 * @example
 * ```ts
 * parseBearerChallenge('Bearer error="invalid_token", scope="a b"'); // { error: 'invalid_token', scope: 'a b' }
 * ```
 */
export function parseBearerChallenge(header: string): Record<string, string> | undefined {
  // RFC 7235's grammar (the doctor's parser), not a lax regex: a malformed challenge must fail the test.
  const challenges = parseChallenges(header);
  const [first] = challenges;
  return challenges.length === 1 && first!.scheme === 'Bearer' && !first!.token68 ? first!.params : undefined;
}
