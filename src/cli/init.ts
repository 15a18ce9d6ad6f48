import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError, type Io } from './io.js';
import { bold, green } from './style.js';
import { version } from './version.js';

export const INIT_USAGE = `Usage: gatehouse init <dir> [options]

Creates a new TypeScript MCP server protected by Gatehouse: the official MCP
SDK over Streamable HTTP on Express, two example tools, Gatehouse in front
(its own sign-in by default, or your identity provider with OAUTH_ISSUER_URL),
.env.example for both modes, and tests in which the SDK client signs in and
calls a tool. It builds, starts and passes its tests right after npm install.

Options:
  --name <name>            Package name            (default: the directory's name)
  --force                  Write into a directory that is not empty (files with
                           the same names are replaced)
  --gatehouse-spec <spec>  How package.json asks for mcp-gatehouse
                           (default ^${version}; e.g. file:../mcp-gatehouse-${version}.tgz)
  -h, --help               Show this help

Examples:
  gatehouse init my-server
  gatehouse init servers/notes --name @acme/notes-mcp
  gatehouse init . --force
`;

/** Where the template is, next to `src/` and `dist/` alike. */
const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/mcp-server/', import.meta.url));

/** Files stored under another name, because npm leaves dotfiles such as `.gitignore` out of packages. */
const RENAMED: Record<string, string> = { _gitignore: '.gitignore', '_env.example': '.env.example' };

const NPM_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/** The version ranges this package itself is built and tested with, for the template's package.json. */
function ownVersions(): Record<string, string> {
  const pkg = createRequire(import.meta.url)('../../package.json') as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  return { ...pkg.devDependencies, ...pkg.dependencies };
}

/**
 * A package name made from a directory's name: lower case, safe characters.
 *
 * @example
 * ```ts
 * packageNameFor('/home/me/My Server'); // 'my-server'
 * ```
 */
export function packageNameFor(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9-._~]+/g, '-')
    .replace(/^[-._]+|-+$/g, '');
  return name || 'mcp-server';
}

/**
 * Fills the template's placeholders: `{{name}}`, `{{gatehouseSpec}}`, and
 * `{{version:<package>}}` with this package's own range for it.
 *
 * @example
 * ```ts
 * fillTemplate('"express": "{{version:express}}"', { name: 'x', gatehouseSpec: '^1.0.0' }, { express: '^5.1.0' }); // '"express": "^5.1.0"'
 * ```
 */
export function fillTemplate(text: string, values: { name: string; gatehouseSpec: string }, versions: Record<string, string>): string {
  return text.replace(/\{\{(name|gatehouseSpec|version:([^}]+))\}\}/g, function fill(_whole, key: string, dependency?: string) {
    if (key === 'name') return values.name;
    if (key === 'gatehouseSpec') return values.gatehouseSpec;
    const range = versions[dependency!];
    if (!range) throw new Error(`The template asks for the version of ${dependency}, which mcp-gatehouse does not depend on`);
    return range;
  });
}

async function templateFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(TEMPLATE_DIR, join(e.parentPath, e.name)));
}

async function isEmptyDir(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return true;
  if (!(await stat(dir)).isDirectory()) throw new UsageError(`${dir} exists and is not a directory`);
  return (await readdir(dir)).length === 0;
}

function targetName(file: string): string {
  const parts = file.split(/[\\/]/);
  const last = parts.pop()!;
  return join(...parts, RENAMED[last] ?? last);
}

/**
 * `gatehouse init <dir>`: writes a new MCP server project protected by
 * Gatehouse. Refuses a directory that is not empty unless `--force`.
 *
 * @example
 * ```ts
 * process.exitCode = await runInit(['my-server'], process.env, io);
 * ```
 */
export async function runInit(argv: string[], _env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      force: { type: 'boolean' },
      'gatehouse-spec': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(INIT_USAGE);
    return 0;
  }
  const [dir, ...extra] = positionals;
  if (!dir) throw new UsageError('the directory to create is required, e.g. gatehouse init my-server');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const name = values.name ?? packageNameFor(dir);
  if (!NPM_NAME.test(name) || name.length > 214) throw new UsageError(`--name "${name}" is not a valid npm package name (lower case, no spaces)`);
  const target = resolve(dir);
  if (!values.force && !(await isEmptyDir(target))) {
    io.err(`gatehouse init: ${target} is not empty. Choose a new directory, or add --force to write into it anyway.`);
    return 1;
  }

  const fill = { name, gatehouseSpec: values['gatehouse-spec'] ?? `^${version}` };
  const versions = ownVersions();
  const written: string[] = [];
  for (const file of await templateFiles(TEMPLATE_DIR)) {
    const destination = join(target, targetName(file));
    await mkdir(resolve(destination, '..'), { recursive: true });
    await writeFile(destination, fillTemplate(await readFile(join(TEMPLATE_DIR, file), 'utf8'), fill, versions));
    written.push(relative(target, destination));
  }

  const cd = relative(process.cwd(), target) || '.';
  io.out(`${green(bold('Created'))} ${name} in ${target} (${written.length} files)`);
  io.out('');
  io.out('Next:');
  if (cd !== '.') io.out(`  cd ${cd}`);
  io.out('  npm install');
  io.out('  npm test        # the SDK client signs in and calls a tool');
  io.out('  npm run dev     # then connect a client to http://127.0.0.1:3000/mcp');
  return 0;
}
