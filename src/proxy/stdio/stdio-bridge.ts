import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { DEFAULT_MAX_SESSIONS_PER_USER, OwnerQuota, retryAfterSec, startsSession, tooManySessionsText } from '../../adapters/mcp/session-limit.js';
import { ownerOf } from '../../adapters/mcp/sessions.js';
import type { GatedIncomingMessage } from '../../adapters/node/middleware.js';
import { toWebRequest } from '../../adapters/node/request.js';
import { writeWebResponse } from '../../adapters/node/response.js';
import type { AuthInfo } from '../../tokens/types.js';
import { drain, type ProxyBackend, type Readiness } from '../backend.js';
import { RPC_ERRORS, writeRpcError } from '../rpc-error.js';
import { ChildSlot, type ChildInfo } from './child-slot.js';
import { childEnv, childOwner } from './child-spec.js';
import { findExecutable } from './command.js';
import type { BridgeSession } from './session.js';

/** Options of {@link createStdioBridge}. */
export interface StdioBridgeOptions {
  command: string;
  args?: string[];
  /** One child for everybody instead of one per user. Default false. */
  shared?: boolean;
  /** A child (and a session) with no traffic for this long is stopped. Default 10 minutes. */
  idleTimeoutMs?: number;
  /**
   * At most this many children at once. A new user beyond it takes the place
   * of the least recently used child that serves no session, or is refused
   * with 503 until one goes. Default 100.
   */
  maxChildren?: number;
  /**
   * At most this many sessions per user (token issuer, subject and client)
   * at once; an `initialize` beyond it gets 429 with `Retry-After`. Default 50.
   */
  maxSessionsPerUser?: number;
  /** The longest wait between restarts of a child that keeps exiting. Default 30 s. */
  backoffMaxMs?: number;
  /** The variable that carries the caller's subject into their child. */
  envSubject?: string;
  /** Variables passed from `parentEnv` to the child. */
  passEnv?: string[];
  /** Fixed variables for the child. */
  env?: Record<string, string>;
  cwd?: string;
  /** Where `passEnv` reads from. Default `process.env`. */
  parentEnv?: NodeJS.ProcessEnv;
  /** Log lines: children started, exited, reaped, and their stderr prefixed with `[child <id>]`. */
  log?: (line: string) => void;
}

/** The stdio bridge: a stdio MCP server served over Streamable HTTP. */
export interface StdioBridge extends ProxyBackend {
  /** The children, by owner key (`sub:<subject>`, `client:<client id>` or `shared`). */
  children(): ChildInfo[];
  readonly sessionCount: number;
}

interface SessionEntry {
  session: BridgeSession;
  slot: ChildSlot;
}

/**
 * Runs a stdio MCP server as child processes and serves it over Streamable
 * HTTP behind the gate. Each user gets a child of their own (keyed by the
 * token's subject, so users never see each other's state), or everybody
 * shares one (`shared`). Children are started on a user's first
 * `initialize`, restarted with backoff when they exit (their sessions get a
 * JSON-RPC error and end, so clients initialize again), and stopped after
 * `idleTimeoutMs` without traffic. The child's environment is the SDK's
 * minimal default plus `env`, `passEnv` and, with `envSubject`, the caller's
 * subject: never Gatehouse's own secrets.
 *
 * @example
 * ```ts
 * const bridge = createStdioBridge({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'], envSubject: 'MCP_USER' });
 * authority.handler(req, res, () => (req.auth ? bridge.handle(req, res) : notFound(res)));
 * ```
 */
export function createStdioBridge(options: StdioBridgeOptions): StdioBridge {
  const idleTimeoutMs = options.idleTimeoutMs ?? 600_000;
  const parentEnv = options.parentEnv ?? process.env;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const slots = new Map<string, ChildSlot>();
  const sessions = new Map<string, SessionEntry>();
  // A place is taken before a session opens (so concurrent initializes cannot overshoot) and given back when it ends.
  const quota = new OwnerQuota(options.maxSessionsPerUser ?? DEFAULT_MAX_SESSIONS_PER_USER);
  let childCount = 0;
  let closing = false;

  function endSession(session: BridgeSession): void {
    if (session.ended) return;
    session.ended = true;
    const entry = sessions.get(session.id);
    sessions.delete(session.id);
    quota.give(session.owner);
    entry?.slot.detach(session);
    void session.transport.close().catch(() => {});
  }

  /** Makes room for one more child, if a child serving nobody can go; false when none can. */
  function makeRoom(): boolean {
    if (slots.size < (options.maxChildren ?? 100)) return true;
    const spare = [...slots.values()].filter((s) => s.router.sessions.size === 0 && s.router.pendingCount === 0).sort((a, b) => a.lastActivity - b.lastActivity)[0];
    if (!spare) return false;
    slots.delete(spare.key);
    void spare.stop('upstream process stopped to make room for another user');
    return true;
  }

  function slotFor(authInfo: AuthInfo): ChildSlot | undefined {
    const { key, label, subject } = childOwner(authInfo, options.shared ?? false);
    let slot = slots.get(key);
    if (!slot) {
      if (!makeRoom()) return undefined;
      slot = new ChildSlot({
        key,
        label,
        spec: { command: options.command, args: options.args ?? [], env: childEnv(options, parentEnv, subject), cwd: options.cwd },
        nextChildId: () => `c${++childCount}`,
        backoffMaxMs: options.backoffMaxMs ?? 30_000,
        log,
        endSession,
      });
      slots.set(key, slot);
    }
    return slot;
  }

  async function openSession(request: Request, authInfo: AuthInfo, body: unknown): Promise<Response | 'full' | 'too-many'> {
    const owner = ownerOf(authInfo);
    // Before the slot: a user at the cap must not start (or keep alive) a child either.
    if (!quota.take(owner)) return 'too-many';
    const slot = slotFor(authInfo);
    if (!slot) {
      quota.give(owner);
      return 'full';
    }
    let session: BridgeSession | undefined;
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized(id) {
        session = { id, owner, transport, capabilities: {}, inFlight: new Map(), lastSeen: Date.now(), ended: false };
        sessions.set(id, { session, slot });
        slot.attach(session);
      },
    });
    transport.onmessage = (message) => {
      if (session && !session.ended) slot.fromClient(session, message);
    };
    transport.onclose = () => {
      if (session) endSession(session);
    };
    try {
      await transport.start();
      return await transport.handleRequest(request, { authInfo, parsedBody: body });
    } finally {
      // No session came of it (a refused initialize): its place goes back. A session's own goes back when it ends.
      if (!session) quota.give(owner);
    }
  }

  async function route(req: GatedIncomingMessage, authInfo: AuthInfo): Promise<Response | 'not-found' | 'no-session' | 'full' | 'too-many'> {
    const request = toWebRequest(req, { body: req.rawBody });
    const header = req.headers['mcp-session-id'];
    if (typeof header === 'string') {
      const entry = sessions.get(header);
      // Another caller's session is answered exactly like an unknown one.
      if (!entry || entry.session.ended || entry.session.owner !== ownerOf(authInfo)) return 'not-found';
      entry.session.lastSeen = Date.now();
      return entry.session.transport.handleRequest(request, { authInfo, parsedBody: req.body });
    }
    if (req.method === 'POST' && startsSession(req.body)) return openSession(request, authInfo, req.body);
    return 'no-session';
  }

  async function handle(req: GatedIncomingMessage, res: ServerResponse): Promise<void> {
    const authInfo = req.auth;
    if (!authInfo) return writeRpcError(res, 500, RPC_ERRORS.internal, 'The bridge got a request the gate did not authenticate');
    if (closing) return writeRpcError(res, 503, RPC_ERRORS.serverError, 'Gatehouse is shutting down');
    try {
      const answer = await route(req, authInfo);
      if (answer === 'not-found') return writeRpcError(res, 404, RPC_ERRORS.sessionNotFound, 'Session not found');
      if (answer === 'no-session') return writeRpcError(res, 400, RPC_ERRORS.serverError, 'Bad Request: Mcp-Session-Id header is required (initialize first)');
      if (answer === 'too-many') {
        const owner = ownerOf(authInfo);
        const seen = [...sessions.values()].filter(({ session }) => session.owner === owner).map(({ session }) => session.lastSeen);
        res.setHeader('retry-after', String(retryAfterSec(seen, idleTimeoutMs)));
        return writeRpcError(res, 429, RPC_ERRORS.serverError, tooManySessionsText(quota.max));
      }
      if (answer === 'full') {
        res.setHeader('retry-after', '30');
        return writeRpcError(res, 503, RPC_ERRORS.serverError, `Too many MCP server processes are running (${slots.size}); try again later`);
      }
      await writeWebResponse(res, answer);
    } catch {
      writeRpcError(res, 500, RPC_ERRORS.internal, 'Internal error in the stdio bridge');
    }
  }

  function sweep(): void {
    const now = Date.now();
    for (const { session } of [...sessions.values()]) if (now - session.lastSeen > idleTimeoutMs && session.inFlight.size === 0) endSession(session);
    for (const [key, slot] of slots) {
      if (slot.router.pendingCount > 0 || now - slot.lastActivity <= idleTimeoutMs) continue;
      slots.delete(key);
      const { childId } = slot.info;
      if (childId) log(`child ${childId} (${key}) idle for ${Math.round((now - slot.lastActivity) / 1000)} s: stopped`);
      void slot.stop('upstream process stopped after being idle; please reinitialize');
    }
  }
  const sweeper = setInterval(sweep, Math.max(100, Math.min(30_000, idleTimeoutMs / 2)));
  // The sweeper alone must not keep the process alive.
  sweeper.unref();

  const pending = () => [...slots.values()].reduce((sum, slot) => sum + slot.router.pendingCount, 0);

  return {
    handle,
    children: () => [...slots.values()].map((slot) => slot.info),
    get sessionCount() {
      return sessions.size;
    },
    get inFlight() {
      return pending();
    },
    async ready(): Promise<Readiness> {
      if (closing) return { ready: false, detail: 'shutting down' };
      const path = options.env?.PATH ?? parentEnv.PATH;
      const found = await findExecutable(options.command, path, options.cwd);
      if (!found) return { ready: false, detail: `command "${options.command}" not found or not executable` };
      return { ready: true, detail: `command ${found} can be started; ${[...slots.values()].filter((s) => s.info.running).length} running` };
    },
    async close(drainMs = 0) {
      closing = true;
      await drain(pending, drainMs);
      clearInterval(sweeper);
      const all = [...slots.values()];
      slots.clear();
      await Promise.all(all.map((slot) => slot.stop('Gatehouse is shutting down')));
      for (const { session } of [...sessions.values()]) endSession(session);
    },
  };
}
