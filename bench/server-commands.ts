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
