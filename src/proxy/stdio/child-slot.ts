import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { StdioChild, type ChildExit, type ChildSpec } from './child.js';
import { MessageRouter } from './message-router.js';
import type { BridgeSession } from './session.js';

/** Options of {@link ChildSlot}. */
export interface ChildSlotOptions {
  /** Whose child this is: a subject key, or `shared`. */
  key: string;
  /** For log lines, e.g. `subject "alice"`. */
  label: string;
  spec: ChildSpec;
  /** A new id for each process started, e.g. `c3`. */
  nextChildId(): string;
  /** The longest wait between restarts. */
  backoffMaxMs: number;
  log(line: string): void;
  /** Ends a session on the HTTP side: its id is unknown from then on. */
  endSession(session: BridgeSession): void;
}

/** What the bridge's registry tells about one child. */
export interface ChildInfo {
  key: string;
  /** The current process's id (`c1`, `c2`...), while one runs. */
  childId?: string;
  pid?: number;
  running: boolean;
  sessions: number;
  pending: number;
  restarts: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The place of one child process: started on first use, restarted with
 * exponential backoff (1 s, 2 s, 4 s... up to `backoffMaxMs`) when it exits
 * by itself, and the sessions it served ended with a clear JSON-RPC error
 * so their clients initialize again. Messages to the child are written in
 * order, after it has started.
 *
 * @example
 * ```ts
 * const slot = new ChildSlot({ key: 'sub:alice', label: 'subject "alice"', spec, nextChildId, backoffMaxMs: 30_000, log, endSession });
 * slot.attach(session);
 * transport.onmessage = (message) => slot.fromClient(session, message);
 * ```
 */
export class ChildSlot {
  readonly key: string;
  readonly router: MessageRouter;
  /** When a message last went either way (ms); the bridge reaps slots idle too long. */
  lastActivity = Date.now();
  readonly #options: ChildSlotOptions;
  #child: StdioChild | undefined;
  #starting: Promise<StdioChild> | undefined;
  #chain: Promise<void> = Promise.resolve();
  #failures = 0;
  #nextAttemptAt = 0;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #restarts = 0;
  #stopped = false;

  constructor(options: ChildSlotOptions) {
    this.key = options.key;
    this.#options = options;
    this.router = new MessageRouter((message, session, onlyIfRunning) => this.#send(message, session, onlyIfRunning));
  }

  get info(): ChildInfo {
    const child = this.#child;
    return {
      key: this.key,
      ...(child ? { childId: child.id, pid: child.pid ?? undefined } : {}),
      running: Boolean(child?.running),
      sessions: this.router.sessions.size,
      pending: this.router.pendingCount,
      restarts: this.#restarts,
    };
  }

  attach(session: BridgeSession): void {
    this.lastActivity = Date.now();
    this.router.sessions.add(session);
  }

  detach(session: BridgeSession): void {
    this.router.removeSession(session);
  }

  fromClient(session: BridgeSession, message: JSONRPCMessage): void {
    this.lastActivity = Date.now();
    this.router.fromClient(session, message);
  }

  /** Starts the child now, if it is not running (for readiness, or eager shared mode). */
  start(): Promise<StdioChild> {
    return this.#ensureChild();
  }

  /** Stops the child for good (idle, shutdown); its sessions end. */
  async stop(reason: string): Promise<void> {
    this.#stopped = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#endAll(reason);
    const starting = this.#starting;
    await this.#child?.stop();
    if (starting) await starting.then((child) => child.stop()).catch(() => {});
  }

  #send(message: JSONRPCMessage, session?: BridgeSession, onlyIfRunning = false): void {
    this.#chain = this.#chain
      .then(async () => {
        if (session?.ended || this.#stopped || (onlyIfRunning && !this.#child)) return;
        const child = await this.#ensureChild();
        await child.send(message);
      })
      .catch(() => {
        // A start failure has ended the sessions; a write to a dying child is answered by its exit.
      });
  }

  #ensureChild(): Promise<StdioChild> {
    if (this.#child) return Promise.resolve(this.#child);
    this.#starting ??= this.#spawn().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  #backoffMs(): number {
    return Math.min(1000 * 2 ** Math.max(0, this.#failures - 1), this.#options.backoffMaxMs);
  }

  async #spawn(): Promise<StdioChild> {
    const { spec, log, label } = this.#options;
    const wait = this.#nextAttemptAt - Date.now();
    if (wait > 0) await sleep(wait);
    if (this.#stopped) throw new Error('stopped');
    const id = this.#options.nextChildId();
    let child: StdioChild;
    try {
      child = await StdioChild.spawn(id, spec, (line) => log(`[child ${id}] ${line}`));
    } catch (err) {
      this.#failures += 1;
      this.#nextAttemptAt = Date.now() + this.#backoffMs();
      const message = `upstream process could not start: ${(err as Error).message}`;
      log(`child ${id} for ${label}: ${message} (next attempt in ${this.#backoffMs() / 1000} s at the earliest)`);
      this.#endAll(message);
      throw err;
    }
    if (this.#stopped) {
      await child.stop();
      throw new Error('stopped');
    }
    child.onmessage = (message) => {
      this.lastActivity = Date.now();
      this.router.fromChild(message);
    };
    child.onexit = (exit) => this.#exited(child, exit);
    this.#child = child;
    log(`child ${id} started (pid ${child.pid}) for ${label}`);
    return child;
  }

  #exited(child: StdioChild, exit: ChildExit): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    if (exit.expected || this.#stopped) return;
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code ?? 'unknown'}`;
    // A child that ran a while before exiting starts the backoff over.
    this.#failures = Date.now() - child.startedAt >= 60_000 ? 1 : this.#failures + 1;
    const delay = this.#backoffMs();
    this.#nextAttemptAt = Date.now() + delay;
    this.#restarts += 1;
    this.#options.log(`child ${child.id} for ${this.#options.label} exited (${how}); restarting in ${delay / 1000} s`);
    this.#endAll(`upstream process exited (${how}); restarted, please reinitialize`);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.#ensureChild().catch(() => {});
    }, delay);
  }

  #endAll(message: string): void {
    this.router.failAll(message);
    for (const session of [...this.router.sessions]) this.#options.endSession(session);
  }
}
