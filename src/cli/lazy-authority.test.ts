import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * oidc-provider prints "Unsupported runtime" on Node 20 as soon as it is
 * imported, so the commands that do not run the authorization server must
 * not import it. Each case runs the CLI in a child process whose module
 * resolution refuses `oidc-provider`.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const refuseHook = `export async function resolve(specifier, context, next) {
  if (specifier === 'oidc-provider' || specifier.startsWith('oidc-provider/')) throw new Error('REFUSED: oidc-provider was imported');
  return next(specifier, context);
}`;
const registerHook = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(refuseHook)}));`;
const stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-lazy-'));

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

function runWithoutOidcProvider(script: string, env: NodeJS.ProcessEnv = {}): { status: number | null; output: string } {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(registerHook)}`, '--input-type=module', '-e', script],
    { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1', GATEHOUSE_STATE_DIR: stateDir, ...env }, timeout: 60_000 },
  );
  return { status: child.status, output: `${child.stdout}${child.stderr}` };
}

function cli(argv: string[], env?: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const script = `import { runCli } from './src/cli/run.ts'; process.exitCode = await runCli(${JSON.stringify(argv)});`;
  return runWithoutOidcProvider(script, env);
}

describe('commands that need no authorization server do not import oidc-provider', () => {
  it('the check itself works: importing the authority is refused', () => {
    const result = runWithoutOidcProvider(`await import('./src/authority/create-authority.ts');`);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('REFUSED: oidc-provider was imported');
  });

  it.each([
    [['--help']],
    [['help', 'demo']],
    [['demo', '--help']],
    [['proxy', '--help']],
    [['doctor', '--help']],
    [['keys', 'list']],
    [['users', 'list']],
    [['config', 'schema']],
  ])('gatehouse %j', (argv) => {
    const result = cli(argv);
    expect(result.output).not.toContain('oidc-provider');
    expect(result.status).toBe(0);
  });

  it('gatehouse config check in resource-server mode', () => {
    const result = cli(['config', 'check'], { OAUTH_ISSUER_URL: 'https://login.example.com' });
    expect(result.output).not.toContain('oidc-provider');
    expect(result.status).toBe(0);
  });

  it('gatehouse demo --issuer: resource-server mode gets as far as the issuer (unreachable here) without it', () => {
    const result = cli(['demo', '--issuer', 'http://127.0.0.1:1', '--port', '0']);
    expect(result.output).not.toContain('oidc-provider');
    expect(result.output).toContain('Failed to fetch OIDC discovery document');
    expect(result.status).toBe(1);
  });

  it('gatehouse proxy --issuer: the same for the proxy', () => {
    const result = cli(['proxy', '--issuer', 'http://127.0.0.1:1', '--upstream', 'http://127.0.0.1:9/mcp', '--port', '0']);
    expect(result.output).not.toContain('oidc-provider');
    expect(result.output).toContain('Failed to fetch OIDC discovery document');
    expect(result.status).toBe(1);
  });
});
