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
