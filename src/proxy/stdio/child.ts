import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** How to start a stdio MCP server. */
export interface ChildSpec {
  command: string;
  args: string[];
  /** Variables on top of the SDK's minimal default (HOME, LOGNAME, PATH, SHELL, TERM, USER). */
  env: Record<string, string>;
  cwd?: string;
}

/** How a child ended: its exit code, or the signal that killed it. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when Gatehouse stopped it (idle, shutdown), false when it exited by itself. */
  expected: boolean;
}

/**
 * One stdio MCP server process, spoken to through the SDK's
 * `StdioClientTransport`: newline-delimited JSON-RPC on stdin/stdout, its
 * stderr handed on line by line.
 *
 * @example
 * ```ts
 * const child = await StdioChild.spawn('c1', { command: 'node', args: ['server.js'], env: {} }, (line) => log(line));
 * child.onmessage = (message) => route(message);
 * child.onexit = (exit) => restartLater(exit);
 * ```
 */
export class StdioChild {
  readonly id: string;
  readonly startedAt = Date.now();
  onmessage?: (message: JSONRPCMessage) => void;
  onexit?: (exit: ChildExit) => void;
  readonly #transport: StdioClientTransport;
  #exit: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
  #stopping = false;
  #exited = false;

  private constructor(id: string, transport: StdioClientTransport) {
    this.id = id;
    this.#transport = transport;
  }

  /**
   * Starts the process; rejects when it cannot be spawned (command not
   * found, not executable). `stderr` gets each line the child writes there.
   */
  static async spawn(id: string, spec: ChildSpec, stderr: (line: string) => void): Promise<StdioChild> {
    const transport = new StdioClientTransport({ command: spec.command, args: spec.args, env: spec.env, cwd: spec.cwd, stderr: 'pipe' });
    const child = new StdioChild(id, transport);
    // The stream exists before start(), so early output is not lost.
    if (transport.stderr) createInterface({ input: transport.stderr as Readable, crlfDelay: Infinity }).on('line', stderr);
    transport.onmessage = (message) => child.onmessage?.(message);
    transport.onclose = () => child.#closed();
    transport.onerror = () => {
      // Unparseable output lines and stdin errors: the exit, if any, is handled by onclose.
    };
    await transport.start();
    // The SDK's transport does not report the exit code; its process object does.
    const process = (transport as unknown as { _process?: ChildProcess })._process;
    process?.once('exit', (code, signal) => {
      child.#exit = { code, signal };
    });
    return child;
  }

  /** The process id, while it runs. */
  get pid(): number | null {
    return this.#transport.pid;
  }

  get running(): boolean {
    return !this.#exited;
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.#transport.send(message);
  }

  /** Ends stdin, then SIGTERM, then SIGKILL (the SDK's sequence, 2 s apart). */
  async stop(): Promise<void> {
    if (this.#exited) return;
    this.#stopping = true;
    await this.#transport.close();
  }

  #closed(): void {
    if (this.#exited) return;
    this.#exited = true;
    this.onexit?.({ ...this.#exit, expected: this.#stopping });
  }
}
