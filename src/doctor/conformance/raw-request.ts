import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isJsonObject, parseJson } from '../../discovery/http.js';
import type { Exchange } from '../http.js';

/**
 * One request with header lines exactly as given (a name may repeat), which
 * `fetch` cannot send: it joins repeated headers into one. For the
 * two-Authorization-headers check.
 *
 * @example
 * ```ts
 * const answer = await rawPost('http://127.0.0.1:3000/mcp', [['authorization', 'Bearer a'], ['authorization', 'Bearer b']], '{}', 5000);
 * answer.status; // 400
 * ```
 */
export function rawPost(url: string, lines: [string, string][], body: string, timeoutMs: number): Promise<Exchange> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  // With headers as a flat array node adds no Host, and keeps repeats and order.
  const flat = [['host', target.host], ...lines, ['content-length', String(Buffer.byteLength(body))]].flat();
  const base: Exchange = { url, method: 'POST', status: 0, headers: new Headers(), body: '', json: undefined };
  return new Promise((resolve) => {
    const req = send(
      { host: target.hostname.replace(/^\[|\]$/g, ''), port: target.port, path: `${target.pathname}${target.search}`, method: 'POST', headers: flat, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.length < 64 && chunks.push(chunk));
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
          const text = Buffer.concat(chunks).toString('utf8');
          const parsed = parseJson(text);
          const json = isJsonObject(parsed) ? parsed : undefined;
          resolve({ ...base, status: res.statusCode ?? 0, headers, body: text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ...base, error: err.message }));
    req.end(body);
  });
}
