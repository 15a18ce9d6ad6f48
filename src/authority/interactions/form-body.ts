import type { IncomingMessage } from 'node:http';

/** The largest form body accepted; a login or consent form is a few hundred bytes. */
const MAX_FORM_BYTES = 16 * 1024;

/** Why a form body could not be read: the status to answer with. */
export class FormBodyError extends Error {
  constructor(readonly status: 400 | 413 | 415, message: string) {
    super(message);
    this.name = 'FormBodyError';
  }
}

/**
 * Reads an `application/x-www-form-urlencoded` request body, at most
 * `MAX_FORM_BYTES`. A body a framework already parsed (Express's
 * `urlencoded()`) is taken as it is.
 *
 * @example
 * ```ts
 * const form = await readForm(req);
 * form.get('username');
 * ```
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (parsed && typeof parsed === 'object' && !Buffer.isBuffer(parsed)) {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof value === 'string') form.append(key, value);
    }
    return form;
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new FormBodyError(415, 'The form must be sent as application/x-www-form-urlencoded');
  }
  if (Number(req.headers['content-length'] ?? 0) > MAX_FORM_BYTES) throw new FormBodyError(413, 'The form is too large');
  const body = await new Promise<Buffer>(function collect(resolve, reject) {
    const chunks: Buffer[] = [];
    let size = 0;
    function onData(chunk: Buffer) {
      size += chunk.length;
      if (size <= MAX_FORM_BYTES) return void chunks.push(chunk);
      // Stop keeping it, let the rest drain, and answer now.
      req.off('data', onData);
      req.resume();
      reject(new FormBodyError(413, 'The form is too large'));
    }
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
  return new URLSearchParams(body.toString('utf8'));
}
