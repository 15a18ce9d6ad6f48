/**
 * `gatehouse demo` as its own process (the authority, the gate and the demo
 * MCP server on one port), for tests that run several instances: started
 * from the sources with tsx, given only the environment the test names,
 * stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The environment without the settings of whoever runs the tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OAUTH_|GATEHOUSE_|PORT$|HOST$|PUBLIC_URL$|VITEST|CI$)/.test(k)));
}

/** A `gatehouse` process that can be stopped and started again with the same settings. */
export interface GatehouseProcess {
  readonly port: number;
  /** Everything it printed, stdout and stderr. */
  readonly output: string[];
  /** The running process's id (undefined when stopped). */
  readonly pid: number | undefined;
  start(): Promise<void>;
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/**
 * Runs `gatehouse <args>` once and resolves to its exit code and output.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runGatehouse(['keys', 'rotate', '--json'], env);
 * ```
 */
export async function runGatehouse(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: { ...cleanEnv(), NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}

/**
 * Prepares `gatehouse demo --port <port>` with `env`; call `start()`.
 * `as` runs it as another user (a test run as root needs one that file
 * permissions apply to).
 *
 * @example
 * ```ts
 * const a = gatehouseProcess(4100, { PUBLIC_URL: lb.origin, GATEHOUSE_STORE: 'redis', ... });
 * await a.start();
 * ```
 */
export function gatehouseProcess(port: number, env: Record<string, string>, as: { uid?: number; gid?: number } = {}): GatehouseProcess {
  const output: string[] = [];
  let child: ChildProcess | undefined;
  return {
    port,
    output,
    get pid() {
      return child?.exitCode === null ? child.pid : undefined;
    },
    async start() {
      const started = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--port', String(port)], {
        cwd: root,
        env: { ...cleanEnv(), NO_COLOR: '1', GATEHOUSE_SHUTDOWN_TIMEOUT: '2', ...env },
        ...as,
      });
      child = started;
      const from = output.length;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`gatehouse on port ${port} did not start in 60 s:\n${output.join('')}`)), 60_000);
        const onData = (chunk: Buffer) => {
          output.push(chunk.toString());
          if (output.slice(from).join('').includes('Gatehouse ready')) {
            clearTimeout(timer);
            resolve();
          }
        };
        started.stdout.on('data', onData);
        started.stderr.on('data', onData);
        started.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`gatehouse on port ${port} exited with ${code}:\n${output.join('')}`));
        });
      });
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.pid === undefined) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      process.kill(running.pid, 'SIGTERM');
      const timer = setTimeout(() => running.pid !== undefined && process.kill(running.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
