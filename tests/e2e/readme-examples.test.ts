/**
 * The README's examples as a user would take them: this package packed and
 * installed into a fresh project with the packages the examples import,
 * every whole example compiled strict against it, and each one marked to
 * run started and used by a signed-in client (Gatehouse's own authorization
 * server) or with a token of a test issuer (resource-server mode). The
 * markers are described in tests/helpers/readme-examples.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { signInWithSdkV2 } from '../helpers/sdk-v2-sign-in.js';
import { cleanEnv, npm, packThisPackage, root, run } from '../helpers/pack-package.js';
import { importedPackages, readmeExamples, type ReadmeExample } from '../helpers/readme-examples.js';
import { signInWithSdk } from './authority-harness.js';

const examples = readmeExamples(readFileSync(join(root, 'README.md'), 'utf8'));
const whole = examples.filter((e) => e.kind !== 'fragment');
const runnable = examples.filter((e) => e.kind.startsWith('run '));

/** The version of a package this repository has installed, so the install is served from npm's cache. */
function installedVersion(name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function fileOf(example: ReadmeExample): string {
  return `example-line-${example.line}`;
}

interface Running {
  child: ChildProcess;
  mcpUrl: string;
  output: () => string;
}

/** Starts a compiled example and waits for its `MCP endpoint <url>` line. */
async function start(project: string, example: ReadmeExample, env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [join('dist', `${fileOf(example)}.js`)], { cwd: project, env: cleanEnv(env) });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const mcpUrl = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const found = /MCP endpoint (\S+)/.exec(output);
      if (found) resolve(found[1]!);
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`README.md line ${example.line} exited with ${code} before printing "MCP endpoint <url>":\n${output}`)));
  });
  return { child, mcpUrl, output: () => output };
}

async function stop(running: Running | undefined): Promise<void> {
  if (!running || running.child.exitCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  const [first] = result.content as { type: string; text: string }[];
  return first?.text ?? '';
}

describe('the README examples, from the packed package', () => {
  let work: string;
  let project: string;
  const ports = new Map<ReadmeExample, number>();

  it('are all marked, with a whole runnable file for each mode', () => {
    expect(runnable.map((e) => e.kind).sort()).toEqual(expect.arrayContaining(['run authority', 'run resource-server']));
  });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'gatehouse-readme-examples-'));
    const tarball = await packThisPackage(work);
    project = join(work, 'project');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'readme-examples', version: '1.0.0', private: true, type: 'module' }));
    const packages = [...new Set(whole.flatMap((e) => importedPackages(e.code)))];
    const types = ['node', ...packages].map((name) => `@types/${name.replace(/^@/, '').replace('/', '__')}`).filter(installedVersion);
    const specs = [...packages, ...types].map((name) => {
      const version = installedVersion(name);
      if (!version) throw new Error(`the README imports ${name}, which this repository does not have installed: add it to devDependencies`);
      return `${name}@${version}`;
    });
    await npm(['install', tarball, ...specs, '--prefer-offline', '--no-audit', '--no-fund'], project);
    for (const example of whole) {
      // A file that runs gets a free port where the README says 3000.
      let code = example.code;
      if (example.kind.startsWith('run ')) {
        const port = await freePort();
        ports.set(example, port);
        code = code.replace(/\b3000\b/g, String(port));
      }
      await writeFile(join(project, `${fileOf(example)}.ts`), code);
    }
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', outDir: 'dist', types: ['node'], noEmitOnError: true, skipLibCheck: true },
        include: ['*.ts'],
      }),
    );
  }, 300_000);

  afterAll(() => (work ? rm(work, { recursive: true, force: true }) : undefined));

  it('compile strict against the installed package', async () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch((err: { stdout?: string }) => {
      throw new Error(`the README's examples do not compile (files are named by README line):\n${err.stdout ?? String(err)}`);
    });
    expect(result.stderr).toBe('');
  }, 120_000);

  for (const example of runnable.filter((e) => e.kind === 'run authority')) {
    it(`line ${example.line} (own authorization server) signs a user in and answers whoami as them`, async () => {
      let running: Running | undefined;
      try {
        running = await start(project, example, {});
        expect(new URL(running.mcpUrl).port).toBe(String(ports.get(example)));
        const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47671/callback' });
        const client = await signInWithSdk(running.mcpUrl, provider, 'ada');
        expect(textOf(await client.callTool({ name: 'whoami', arguments: {} }))).toMatch(/^ada via \S+/);
        await client.close();
        const [, payload] = provider.tokens()!.access_token.split('.');
        expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({ iss: new URL(running.mcpUrl).origin, aud: running.mcpUrl, sub: 'ada' });
        // The SDK v2 client pinned to 2026-07-28: the README's server speaks the modern era too.
        const modern = await signInWithSdkV2(running.mcpUrl, new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47672/callback' }), 'bea', { pin: '2026-07-28' });
        expect(modern.getNegotiatedProtocolVersion()).toBe('2026-07-28');
        const [first] = (await modern.callTool({ name: 'whoami', arguments: {} })).content as { type: string; text: string }[];
        expect(first?.text).toMatch(/^bea via \S+/);
        await modern.close();
      } finally {
        await stop(running);
      }
    }, 90_000);
  }

  describe('in resource-server mode', () => {
    let issuer: TestIssuer;
    beforeAll(async () => {
      issuer = await startTestIssuer();
    });
    afterAll(() => issuer?.close());

    for (const example of runnable.filter((e) => e.kind === 'run resource-server')) {
      it(`line ${example.line} refuses a request without a token and answers whoami for the issuer's token`, async () => {
        let running: Running | undefined;
        try {
          running = await start(project, example, { OAUTH_ISSUER_URL: issuer.issuer });
          const refused = await fetch(running.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
          expect(refused.status).toBe(401);
          expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata=/);

          const token = await issuer.mint({ sub: 'grace', aud: running.mcpUrl, scope: 'mcp:tools', client_id: 'readme-client' });
          const client = new Client({ name: 'readme-examples', version: '1.0.0' });
          await client.connect(new StreamableHTTPClientTransport(new URL(running.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
          expect(textOf(await client.callTool({ name: 'whoami', arguments: {} }))).toBe('grace via readme-client: mcp:tools');
          await client.close();
          const modern = new ClientV2({ name: 'readme-examples-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
          await modern.connect(new TransportV2(new URL(running.mcpUrl), { authProvider: { token: async () => token } }));
          expect(modern.getNegotiatedProtocolVersion()).toBe('2026-07-28');
          const [first] = (await modern.callTool({ name: 'whoami', arguments: {} })).content as { type: string; text: string }[];
          expect(first?.text).toBe('grace via readme-client: mcp:tools');
          await modern.close();
        } finally {
          await stop(running);
        }
      }, 90_000);
    }
  });
});
