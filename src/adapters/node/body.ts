import type { IncomingMessage } from 'node:http';
import { MAX_BODY_BYTES } from '../../gate/read-body.js';

/**
 * The default cap on a request body read by the gate: the gate's own, 4 MiB (the MCP SDK's limit).
 *
 * @example
 * ```ts
 * const body = await readBody(req, DEFAULT_MAX_BODY_BYTES);
 * ```
 */
export const DEFAULT_MAX_BODY_BYTES = MAX_BODY_BYTES;

/**
 * The request body is larger than the cap; answered with 413.
 *
 * @example
 * ```ts
 * try { await readBody(req, 1024) } catch (err) { if (err instanceof BodyTooLargeError) res.writeHead(413).end() }
 * ```
 */
export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`Request body is larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
    this.limit = limit;
  }
}

/**
 * Reads a request body into one Buffer, refusing bodies above `limit` bytes
 * (checked against `Content-Length` first, then while reading).
 *
 * @example
 * ```ts
 * const body = await readBody(req, 1024 * 1024);
 * ```
 */
export function readBody(req: IncomingMessage, limit = DEFAULT_MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  // Someone else already read the stream: there is nothing left to read.
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    function cleanup() {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    }
    function onData(chunk: Buffer | string) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > limit) {
        cleanup();
        // Keep draining without storing, so the 413 can still be written on this socket.
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(buf);
    }
    function onEnd() {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    }
    function onError(err: Error) {
      cleanup();
      reject(err);
    }
    function onClose() {
      cleanup();
      reject(new Error('Request closed before its body was read'));
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** A declared body up to this size is left for Node to discard after a refusal; anything else closes the connection. */
const DISCARDED_BODY_BYTES = 64 * 1024;

/**
 * The body of a request to the MCP endpoint, read from the stream at most
 * once, within the cap, and only when someone asks for it: the gate asks
 * after the token is verified, the adapter after the gate let it through.
 */
export class GateBody {
  readonly #req: IncomingMessage;
  readonly #limit: number;
  #bytes: Promise<Buffer> | undefined;

  /** `preparsed`: the bytes a framework parser already read, if any. */
  constructor(req: IncomingMessage, limit: number, preparsed?: Buffer) {
    this.#req = req;
    this.#limit = limit;
    if (preparsed !== undefined) this.#bytes = Promise.resolve(preparsed);
  }

  /** Whether anyone has started reading (or a parser had read it already). */
  get started(): boolean {
    return this.#bytes !== undefined;
  }

  /** The bytes, up to the cap; rejects with {@link BodyTooLargeError} beyond it. */
  bytes(): Promise<Buffer> {
    this.#bytes ??= readBody(this.#req, this.#limit);
    return this.#bytes;
  }

  /**
   * Whether answering now should close the connection: the body is unread
   * and not known to be small, so Node would otherwise go on receiving (and
   * discarding) it, possibly for a long time, to keep the connection alive.
   */
  get closesOnRefusal(): boolean {
    if (this.started || this.#req.readableEnded) return false;
    const declared = this.#req.headers['content-length'];
    return declared === undefined || !(Number(declared) <= DISCARDED_BODY_BYTES);
  }
}
