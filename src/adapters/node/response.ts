import type { ServerResponse } from 'node:http';

function writeHeaders(res: ServerResponse, response: Response): void {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    // Headers joins Set-Cookie values with ", ", which breaks cookies; they are added below.
    if (name === 'set-cookie') continue;
    res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
}

/** Resolves when `res` can take more data, or rejects when it closed first. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    function onDrain() {
      res.off('close', onClose);
      resolve();
    }
    function onClose() {
      res.off('drain', onDrain);
      reject(new Error('response closed'));
    }
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/**
 * Writes a Web-standard `Response` to a Node `ServerResponse`, streaming the
 * body chunk by chunk (Server-Sent Events reach the client as they are
 * produced) and cancelling the body when the client goes away.
 *
 * @example
 * ```ts
 * http.createServer(async (req, res) => {
 *   await writeWebResponse(res, new Response('hello', { headers: { 'content-type': 'text/plain' } }));
 * });
 * ```
 */
export async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  writeHeaders(res, response);
  if (!response.body) {
    res.end();
    return;
  }
  // Send the status line and headers now: an SSE stream may not produce a byte for a while.
  res.flushHeaders();
  const reader = response.body.getReader();
  function onClose() {
    reader.cancel().catch(() => {});
  }
  res.once('close', onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) break;
      if (!res.write(value)) await drained(res);
    }
    res.end();
  } catch {
    // The client disconnected or the body failed mid-stream: nothing more can be sent.
    if (!res.writableEnded) res.destroy();
  } finally {
    res.off('close', onClose);
    reader.releaseLock();
  }
}
