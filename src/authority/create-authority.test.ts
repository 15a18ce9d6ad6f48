import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { createAuthority, type Authority } from './create-authority.js';

const dirs: string[] = [];
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-create-authority-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('createAuthority in production', () => {
  it('refuses unsafe settings before writing any state', async () => {
    const dir = join(stateDir(), 'state');
    await expect(
      createAuthority({ publicUrl: 'http://mcp.example.com', authority: { env: 'production', stateDir: dir } }, { warn: () => {} }),
    ).rejects.toThrow(ConfigError);
    expect(existsSync(dir)).toBe(false);
  });

  it('starts with safe settings, and warns that nobody can sign in until a user is added', async () => {
    const dir = stateDir();
    const warnings: string[] = [];
    const authority = await createAuthority(
      { publicUrl: 'https://mcp.example.com', authority: { env: 'production', stateDir: dir, registration: { allowedRedirectHosts: ['claude.ai'] } } },
      { warn: (line) => warnings.push(line) },
    );
    try {
      expect(authority.provider.issuer).toBe('https://mcp.example.com');
      expect(authority.gate.config.mode).toBe('authority');
      expect(warnings).toEqual([expect.stringMatching(/^gatehouse WARNING: no users in .*users\.json: .*gatehouse users add/)]);
      expect(readdirSync(dir)).toEqual(expect.arrayContaining(['keys.json', 'cookies.secret']));
    } finally {
      await authority.close();
    }
  });
});

describe('the handler', () => {
  let server: Server | undefined;
  let authority: Authority | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await authority?.close();
  });

  it('sends what nobody here answers to next, and answers 404 without next', async () => {
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    authority = await createAuthority({ publicUrl: origin, authority: { stateDir: stateDir(), store: 'memory' } }, { warn: () => {} });
    const seen: string[] = [];
    server.on('request', (req, res) => {
      if (req.url === '/no-next') return void authority!.handler(req, res);
      void authority!.handler(req, res, () => {
        seen.push(req.url ?? '');
        res.writeHead(204).end();
      });
    });
    expect((await fetch(`${origin}/app/page`)).status).toBe(204);
    expect((await fetch(`${origin}/no-next`)).status).toBe(404);
    expect((await fetch(`${origin}/oauth/jwks`)).status).toBe(200);
    expect((await fetch(`${origin}/mcp`, { method: 'POST' })).status).toBe(401);
    expect(seen).toEqual(['/app/page']);
  });
});
