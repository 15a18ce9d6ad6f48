import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProxyServerCommand, ProxyServerReady, ProxyServerReply } from './proxy-server.js';
import type { ServerCommand, ServerReady, ServerReply } from './server.js';
/** The real-server stacks bench/sdk-server.ts serves (here so the parent can name them without loading that child's script). */
export const SDK_STACKS = ['v1-express', 'v2-express', 'v2-hono'] as const;
export type SdkStack = (typeof SDK_STACKS)[number];

/** What the servers' cache offers the parent: counters and a way to empty it. */
interface CountedCache {
  readonly hits: number;
  readonly misses: number;
  clear(): void;
}

/**
 * Answers the parent's IPC commands (`clear`, `stats`, `close`) and tells it
 * the servers are ready; shared by every servers child of the benchmark.
 */
export function answerCommands(cache: CountedCache, shutdown: () => Promise<void>, ready: ServerReady): void {
  process.on('message', function onCommand(command: ServerCommand) {
    if (command.type === 'clear') cache.clear();
    const cpu = process.cpuUsage();
    const reply: ServerReply = { id: command.id, hits: cache.hits, misses: cache.misses, cpuMicros: cpu.user + cpu.system };
    if (command.type === 'close') {
      void shutdown().then(() => process.send!(reply, () => process.exit(0)));
      return;
    }
    process.send!(reply);
  });
  // The parent went away (Ctrl-C, crash): do not linger.
  process.once('disconnect', () => void shutdown().then(() => process.exit(0)));
  process.send!(ready);
}

/**
 * Tells the parent the server listens, answers its `stats` with this
 * process's CPU time, `mint` with `running.mint` (when the child has one;
 * the CPU time is read after it), and stops on `close` (or when the parent goes).
 */
export function serveParent(running: { url: string; close(): Promise<void>; mint?(count: number): Promise<string[]> }): void {
  process.on('message', async function onCommand(command: ProxyServerCommand) {
    const tokens = command.type === 'mint' && running.mint ? await running.mint(command.count ?? 0) : undefined;
    const cpu = process.cpuUsage();
    const reply: ProxyServerReply = { id: command.id, cpuMicros: cpu.user + cpu.system, ...(tokens ? { tokens } : {}) };
    // Exit, not only disconnect: a child run with --cpu-prof (BENCH_PROFILE_DIR) writes its profile on exit.
    if (command.type === 'close') return void running.close().then(() => process.send!(reply, () => process.exit(0)));
    process.send!(reply);
  });
  // The parent went away (Ctrl-C, crash): do not linger.
  process.once('disconnect', () => void running.close().then(() => process.exit(0)));
  process.send!({ type: 'ready', url: running.url } satisfies ProxyServerReady);
}

/**
 * Listens on 127.0.0.1 (port 0: a free one) and gives the URL and a close
 * that also ends kept-alive connections, so a child can exit at once.
 */
export async function listenOnLoopback(server: Server, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
