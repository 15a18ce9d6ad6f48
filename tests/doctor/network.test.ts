import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../src/doctor/index.js';
import { startLocalHttps, type LocalHttps } from '../e2e/authority-harness.js';

/** Network failures are findings with words a user can act on, never exceptions. */

let silent: Server;
let https: LocalHttps;

beforeAll(async () => {
  // Accepts connections and never answers.
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  https = await startLocalHttps();
});

afterAll(async () => {
  silent.closeAllConnections();
  await new Promise((resolve) => silent.close(resolve));
  await https.close();
});

describe('the doctor when the server cannot be reached', () => {
  it('reports a timeout as unreachable, and skips every later step', async () => {
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`;
    const report = await diagnose(url, { timeoutMs: 300 });
    expect(report.findings.map((f) => f.id)).toEqual(['unreachable']);
    expect(report.findings[0]!.message).toContain('timed out after 300 ms');
    for (const profile of report.profiles) {
      expect(profile.cells).toEqual({ challenge: 'fail', prm: 'skip', 'as-metadata': 'skip', pkce: 'skip', registration: 'skip', cors: profile.id === 'inspector' ? 'skip' : 'n/a', era: 'skip' });
    }
  });

  it('reports an untrusted TLS certificate as unreachable, naming the certificate', async () => {
    const report = await diagnose(`${https.origin}/mcp`, { timeoutMs: 5000 });
    expect(report.findings.map((f) => f.id)).toEqual(['unreachable']);
    expect(report.findings[0]!.message).toMatch(/certificate/i);
  });

  it('refuses a URL that is not http(s) before sending anything', async () => {
    const refusal = diagnose('ftp://example.com/mcp');
    await expect(refusal).rejects.toThrow(TypeError);
    await expect(refusal).rejects.toThrow(/pass the MCP endpoint URL/);
  });
});
