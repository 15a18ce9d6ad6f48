/**
 * This package as npm would publish it: built and packed into a tarball in a
 * temporary directory, for the tests that install it as a user would
 * (tests/e2e/init.test.ts, tests/e2e/npm-install.test.ts). One home for the
 * clean environment and the npm wrapper those tests share.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Only what npm and node need: nothing of the outer test run (VITEST_*, npm_*, NODE_OPTIONS, OAUTH_*...). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'USER', 'TMPDIR', 'LANG', 'SHELL'];
  return { ...Object.fromEntries(keep.filter((k) => process.env[k]).map((k) => [k, process.env[k]])), NO_COLOR: '1', CI: '1', ...extra };
}

/** `npm <args>` in `cwd` with a clean environment; a failure carries npm's whole output. */
export async function npm(args: string[], cwd: string, timeout = 240_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('npm', args, { cwd, env: cleanEnv(), timeout, maxBuffer: 32 * 1024 * 1024 });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: err });
  }
}

/**
 * Builds dist/ into a staging directory under `work` (so the working tree's
 * dist/ stays as it is), copies every other entry of package.json `files`
 * there, packs it, and returns the tarball's path.
 */
export async function packThisPackage(work: string): Promise<string> {
  const stage = join(work, 'stage');
  await mkdir(stage);
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], { cwd: root });
  const { files } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { files: string[] };
  for (const entry of ['package.json', ...files.filter((f) => f !== 'dist')]) {
    await mkdir(dirname(join(stage, entry)), { recursive: true });
    await cp(join(root, entry), join(stage, entry), { recursive: true });
  }
  await npm(['pack', '--pack-destination', work], stage);
  const [tarball] = (await readdir(work)).filter((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  return join(work, tarball);
}
