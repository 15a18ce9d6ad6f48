import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { RPC_ERRORS, rpcErrorMessage } from '../../adapters/rpc-error.js';
import { CAPABILITY_OF_METHOD, type BridgeSession } from './session.js';

/**
 * Relays JSON-RPC between client sessions and the one child they share. The
 * child speaks to a single peer over stdio, so the router makes several
 * sessions look like one: it renumbers requests (and progress tokens) so ids
 * never collide, answers every `initialize` after the first from the
 * child's first answer, and sends each reply, progress notification and
 * server-initiated request back to the session it belongs to.
 */

interface Pending {
  session: BridgeSession;
  originalId: RequestId;
  /** The client's own progress token, replaced by the child-side id. */
  progressToken?: string | number;
  initialize?: boolean;
}

type Params = Record<string, unknown> & { _meta?: Record<string, unknown> };

function errorResponse(id: RequestId, code: number, message: string): JSONRPCMessage {
  return rpcErrorMessage(code, message, id) as JSONRPCMessage;
}

/**
 * Routes messages for one child; `toChild` writes to it (in order, starting
 * it when needed, unless `onlyIfRunning`: news about the past need not start
 * a process), on behalf of `session` when a session's message caused it.
 *
 * @example
 * ```ts
 * const router = new MessageRouter((message, session) => slot.send(message, session));
 * transport.onmessage = (message) => router.fromClient(session, message);
 * child.onmessage = (message) => router.fromChild(message);
 * ```
 */
export class MessageRouter {
  readonly sessions = new Set<BridgeSession>();
  readonly #toChild: (message: JSONRPCMessage, session?: BridgeSession, onlyIfRunning?: boolean) => void;
  readonly #pending = new Map<number, Pending>();
  /** Requests the child sent to a client, by the child's id. */
  readonly #serverRequests = new Map<RequestId, BridgeSession>();
  #nextId = 1;
  #initResult: Record<string, unknown> | undefined;
  #initWaiters: { session: BridgeSession; id: RequestId }[] = [];
  #initInFlight = false;
  #initializedSent = false;

  constructor(toChild: (message: JSONRPCMessage, session?: BridgeSession, onlyIfRunning?: boolean) => void) {
    this.#toChild = toChild;
  }

  /** Requests sent to the child and not answered yet. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** A message from a client session. */
  fromClient(session: BridgeSession, message: JSONRPCMessage): void {
    session.lastSeen = Date.now();
    if (isJSONRPCRequest(message)) return this.#clientRequest(session, message);
    if (isJSONRPCNotification(message)) return this.#clientNotification(session, message);
    // A client's answer to a request of the child's: only the session asked may answer it.
    const id = (message as { id?: RequestId }).id;
    if (id !== undefined && this.#serverRequests.get(id) === session) {
      this.#serverRequests.delete(id);
      this.#toChild(message, session);
    }
  }

  /** A message from the child. */
  fromChild(message: JSONRPCMessage): void {
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) return this.#childResponse(message);
    if (isJSONRPCRequest(message)) return this.#childRequest(message);
    if (isJSONRPCNotification(message)) return this.#childNotification(message);
  }

  /**
   * The child is gone: every request in flight gets `message` as a JSON-RPC
   * error, and the child's next incarnation starts from a fresh `initialize`.
   */
  failAll(message: string): void {
    for (const [, pending] of this.#pending) this.#reply(pending.session, errorResponse(pending.originalId, RPC_ERRORS.upstreamExited, message));
    for (const waiter of this.#initWaiters) this.#reply(waiter.session, errorResponse(waiter.id, RPC_ERRORS.upstreamExited, message));
    this.#pending.clear();
    this.#serverRequests.clear();
    for (const session of this.sessions) session.inFlight.clear();
    this.#initWaiters = [];
    this.#initResult = undefined;
    this.#initInFlight = false;
    this.#initializedSent = false;
  }

  /** A session ended: the child is told to stop working on its requests. */
  removeSession(session: BridgeSession): void {
    this.sessions.delete(session);
    for (const [originalId, id] of session.inFlight) {
      this.#pending.delete(id);
      this.#toChild({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the client session ended' } }, undefined, true);
      session.inFlight.delete(originalId);
    }
    // The child's own requests to that client will never be answered: say so rather than leave it waiting.
    for (const [id, asked] of this.#serverRequests) {
      if (asked !== session) continue;
      this.#serverRequests.delete(id);
      this.#toChild(errorResponse(id, RPC_ERRORS.serverError, 'The client session ended before it answered'), undefined, true);
    }
    this.#initWaiters = this.#initWaiters.filter((w) => w.session !== session);
  }

  #clientRequest(session: BridgeSession, request: JSONRPCRequest): void {
    if (request.method === 'initialize') {
      const params = (request.params ?? {}) as Params;
      session.capabilities = (params.capabilities ?? {}) as BridgeSession['capabilities'];
      if (this.#initResult) return this.#reply(session, { jsonrpc: '2.0', id: request.id, result: this.#initResult });
      if (this.#initInFlight) return void this.#initWaiters.push({ session, id: request.id });
      this.#initInFlight = true;
    }
    const id = this.#nextId++;
    const pending: Pending = { session, originalId: request.id, initialize: request.method === 'initialize' };
    const params = request.params as Params | undefined;
    let forwarded: JSONRPCRequest = { ...request, id };
    const token = params?._meta?.progressToken;
    if (typeof token === 'string' || typeof token === 'number') {
      // Tokens are chosen by each client; the child-side request id is unique on this child.
      pending.progressToken = token;
      forwarded = { ...forwarded, params: { ...params, _meta: { ...params!._meta, progressToken: id } } };
    }
    this.#pending.set(id, pending);
    session.inFlight.set(request.id, id);
    this.#toChild(forwarded, session);
  }

  #clientNotification(session: BridgeSession, notification: JSONRPCNotification): void {
    if (notification.method === 'notifications/initialized') {
      // The child was initialized once, by the first session; it hears this once.
      if (this.#initializedSent) return;
      this.#initializedSent = true;
    }
    if (notification.method === 'notifications/cancelled') {
      const params = (notification.params ?? {}) as Params;
      const id = session.inFlight.get(params.requestId as RequestId);
      if (id === undefined) return;
      return this.#toChild({ ...notification, params: { ...params, requestId: id } }, session);
    }
    this.#toChild(notification, session);
  }

  #childResponse(message: JSONRPCMessage & { id?: RequestId }): void {
    const id = typeof message.id === 'number' ? message.id : Number.NaN;
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    pending.session.inFlight.delete(pending.originalId);
    const answer = { ...message, id: pending.originalId } as JSONRPCMessage;
    if (pending.initialize) this.#initialized(answer);
    this.#reply(pending.session, answer);
  }

  #initialized(answer: JSONRPCMessage): void {
    this.#initInFlight = false;
    if (isJSONRPCResultResponse(answer)) this.#initResult = answer.result as Record<string, unknown>;
    const waiters = this.#initWaiters;
    this.#initWaiters = [];
    for (const waiter of waiters) {
      const reply = this.#initResult
        ? { jsonrpc: '2.0' as const, id: waiter.id, result: this.#initResult }
        : { ...(answer as object), id: waiter.id };
      this.#reply(waiter.session, reply as JSONRPCMessage);
    }
  }

  #childRequest(request: JSONRPCRequest): void {
    const needs = CAPABILITY_OF_METHOD[request.method];
    const able = [...this.sessions].filter((s) => !s.ended && (needs === undefined || s.capabilities[needs] !== undefined));
    // The session that sent a request most recently is most likely the one this request is about.
    const session = able.sort((a, b) => b.lastSeen - a.lastSeen)[0];
    if (!session) {
      const why = needs ? `no connected client supports ${needs}` : 'no client is connected';
      return this.#toChild(errorResponse(request.id, RPC_ERRORS.methodNotFound, `Cannot forward ${request.method}: ${why}`));
    }
    this.#serverRequests.set(request.id, session);
    // On the stream of the session's latest request, where its client is listening; else its GET stream.
    const related = [...session.inFlight.keys()].at(-1);
    session.transport.send(request, related !== undefined ? { relatedRequestId: related } : undefined).catch(() => {
      this.#serverRequests.delete(request.id);
    });
  }

  #childNotification(notification: JSONRPCNotification): void {
    const params = (notification.params ?? {}) as Params;
    if (notification.method === 'notifications/progress') {
      const pending = this.#pending.get(params.progressToken as number);
      if (!pending || pending.progressToken === undefined) return;
      const restored = { ...notification, params: { ...params, progressToken: pending.progressToken } };
      return void pending.session.transport.send(restored, { relatedRequestId: pending.originalId }).catch(() => {});
    }
    if (notification.method === 'notifications/cancelled') {
      const session = this.#serverRequests.get(params.requestId as RequestId);
      if (session) void session.transport.send(notification).catch(() => {});
      return;
    }
    // Logging, list changes, resource updates: every session of this child hears them.
    for (const session of this.sessions) if (!session.ended) void session.transport.send(notification).catch(() => {});
  }

  #reply(session: BridgeSession, message: JSONRPCMessage): void {
    if (session.ended) return;
    session.transport.send(message).catch(() => {
      // The client went away before its answer: nothing more to do.
    });
  }
}
