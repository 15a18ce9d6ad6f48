import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/**
 * Where `command` would be found, the way the child is spawned (no shell):
 * a path with a slash as it is (relative to `cwd`), a bare name on `PATH`.
 * `undefined` when it is nowhere or not executable, so `/readyz` can say
 * "command not found" before any user tries.
 *
 * @example
 * ```ts
 * await findExecutable('node', process.env.PATH); // '/usr/bin/node'
 * ```
 */
export async function findExecutable(command: string, path: string | undefined, cwd = process.cwd()): Promise<string | undefined> {
  const candidates = command.includes('/') || isAbsolute(command)
    ? [resolve(cwd, command)]
    : (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}
