import { InvalidRequestError, RequestTooLargeError } from '../errors.js';

/** The MCP SDK's own limit for a JSON-RPC message body. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

const DECODERS: Record<string, CompressionFormat> = { gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate' };

function uncheckable(reason: string): InvalidRequestError {
  return new InvalidRequestError('ERR_REQUEST_BODY_UNCHECKABLE', `The request body cannot be checked for per-tool scopes: ${reason}`);
}

/**
 * Reads a stream to its end, or stops and resolves to `null` as soon as it
 * passes `maxBytes`, so a huge body is never buffered whole.
 *
 * @example
 * ```ts
 * const bytes = await readCapped(request.body!, 64 * 1024);
 * if (bytes === null) return tooLarge();
 * ```
 */
export async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Not awaited: cancelling one branch of a tee'd body settles only when the other branch is cancelled too.
      reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads and parses the JSON body of a request from a clone, leaving the
 * original for the MCP server. Resolves to `undefined` when there is no body
 * or it is not JSON: the MCP server answers those with its own parse error.
 *
 * Throws `InvalidRequestError` (`ERR_REQUEST_BODY_UNCHECKABLE`) when the body
 * exists but cannot be inspected while the server could still act on it (an
 * unknown `Content-Encoding` or charset, a stream already consumed): letting
 * those through would let a `tools/call` skip its scope check. A body over
 * `maxBytes` (declared or once read, decompressed) is a `RequestTooLargeError`
 * (413), found without reading past the cap.
 *
 * @example
 * ```ts
 * const body = await readJsonBody(request);
 * ```
 */
export async function readJsonBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  if (request.method === 'GET' || request.method === 'HEAD' || request.body === null) return undefined;
  if (request.bodyUsed) throw uncheckable('it was already consumed; pass the parsed body as options.body');

  const length = Number(request.headers.get('content-length'));
  if (Number.isFinite(length) && length > maxBytes) throw new RequestTooLargeError(maxBytes);

  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  const format = DECODERS[encoding];
  if (encoding !== 'identity' && encoding !== '' && !format) throw uncheckable(`Content-Encoding "${encoding.slice(0, 40)}" is not supported`);

  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers.get('content-type') ?? '')?.[1] ?? 'utf-8';
  try {
    new TextDecoder(charset);
  } catch {
    throw uncheckable(`charset "${charset.slice(0, 40)}" is not supported`);
  }

  let bytes: Uint8Array | null;
  try {
    let stream = request.clone().body as ReadableStream<Uint8Array>;
    if (format) stream = stream.pipeThrough(new DecompressionStream(format) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
    bytes = await readCapped(stream, maxBytes);
  } catch {
    return undefined; // a broken stream or corrupt compression: the server cannot read it either
  }
  if (bytes === null) throw new RequestTooLargeError(maxBytes);

  try {
    // Lenient decoding, as servers decode: an invalid byte must not hide a tools/call.
    return JSON.parse(new TextDecoder(charset).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The JSON of a body an adapter has already read (within its cap): parsed
 * as it is when it is plain UTF-8 JSON (the common case, no copy), else
 * decoded as {@link readJsonBody} decodes a request (compression, charset)
 * or refused as it refuses. `undefined` when empty or not JSON.
 *
 * @example
 * ```ts
 * const body = await jsonOfBytes(bytes, request.headers);
 * ```
 */
export async function jsonOfBytes(bytes: Uint8Array, headers: { get(name: string): string | null }, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  if (bytes.byteLength === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    // Compressed, another charset, or not JSON: the full reader decides.
  }
  const kept: Record<string, string> = {};
  for (const name of ['content-type', 'content-encoding']) {
    const value = headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return readJsonBody(new Request('http://body.invalid/', { method: 'POST', headers: kept, body: bytes as Uint8Array<ArrayBuffer> }), maxBytes);
}
