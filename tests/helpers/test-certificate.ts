/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by openssl for
 * one test run, and an undici Agent that trusts it: HTTPS on loopback that
 * only the test's own fetch accepts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM texts for `https.createServer({ cert, key })`. */
export interface TestCertificate {
  cert: string;
  key: string;
}

/**
 * Makes a P-256 certificate valid for a day for IP 127.0.0.1 and DNS
 * localhost; nothing is left on disk.
 *
 * @example
 * ```ts
 * const { cert, key } = makeTestCertificate();
 * const server = createServer({ cert, key }, handler);
 * ```
 */
export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An undici dispatcher, for `fetch(url, { dispatcher })`. */
export type Dispatcher = object;

/**
 * undici's Agent as bundled with Node (the way oidc-provider finds it), so
 * no extra package: trusts `ca` for the connections it makes.
 *
 * @example
 * ```ts
 * const agent = trustingAgent(cert);
 * await fetch(url, { dispatcher: agent } as RequestInit);
 * ```
 */
export function trustingAgent(ca: string): Dispatcher {
  void Response; // loads Node's fetch, which installs the global dispatcher
  const global = globalThis as Record<symbol, { constructor: new (options: object) => Dispatcher } | undefined>;
  const dispatcher = global[Symbol.for('undici.globalDispatcher.2')] ?? global[Symbol.for('undici.globalDispatcher.1')];
  if (!dispatcher) throw new Error('no undici global dispatcher in this Node');
  return new dispatcher.constructor({ connect: { ca } });
}
