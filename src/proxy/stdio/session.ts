import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { ClientCapabilities, RequestId } from '@modelcontextprotocol/sdk/types.js';

/**
 * One client's Streamable HTTP session on the bridge. Several may share one
 * child (the same user in two clients, or everybody with `--shared`); each
 * keeps its own JSON-RPC ids, which the child never sees.
 */
export interface BridgeSession {
  /** The `Mcp-Session-Id` handed to the client. */
  readonly id: string;
  /** Who opened it (issuer, subject, client); no one else may use it. */
  readonly owner: string;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  /** What the client said it supports at `initialize` (sampling, elicitation, roots). */
  capabilities: ClientCapabilities;
  /** The client's ids of its requests the child has not answered yet → the ids the child knows them by. */
  readonly inFlight: Map<RequestId, number>;
  /** When the client last sent anything (ms). */
  lastSeen: number;
  /** Set once the session is over; late messages for it are dropped. */
  ended: boolean;
}

/**
 * The capability a client must have declared before the child may send it
 * a request of this method.
 */
export const CAPABILITY_OF_METHOD: Record<string, keyof ClientCapabilities> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};
