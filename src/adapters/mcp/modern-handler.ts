/**
 * The SDK v2 path of `createMcpHandler`: the SDK's own `createMcpHandler`
 * (`@modelcontextprotocol/server`), which serves the 2026-07-28 revision
 * (`server/discover`, no sessions) and a stateless 2025 fallback from one
 * factory. v2 never reads a token from the headers: the gate's verified
 * `AuthInfo` is handed to it as `authInfo`, which tool handlers read as
 * `ctx.http.authInfo`.
 */
import type { CreateMcpHandlerOptions, McpRequestContext, McpServer, Server, ServerNotifier } from '@modelcontextprotocol/server';
import type { AuthInfo } from '../../tokens/types.js';
import type { McpServing } from './legacy-handler.js';

/**
 * SDK v2: builds the server for one HTTP request (the SDK calls it for
 * every request, of either era). `ctx.authInfo` is the caller as the gate
 * verified it; `ctx.era` says whether the request is 2026-07-28 (`modern`)
 * or 2025 (`legacy`).
 *
 * @example
 * ```ts
 * const factory: SdkV2ServerFactory = (ctx) => buildServer(ctx.authInfo?.clientId);
 * ```
 */
export type SdkV2ServerFactory = (ctx: McpRequestContext) => McpServer | Server | Promise<McpServer | Server>;

/**
 * Options handed to the SDK v2's own `createMcpHandler`: the 2025 fallback
 * (`legacy: 'stateless' | 'reject'`), `responseMode`, the
 * `subscriptions/listen` event `bus`, keep-alives, the body cap.
 *
 * @example
 * ```ts
 * createMcpHandler(factory, { sdkV2: { legacy: 'reject', responseMode: 'json' } });
 * ```
 */
export type SdkV2HandlerOptions = CreateMcpHandlerOptions;

/** The SDK v2 serving, with the SDK's `notify` for `subscriptions/listen` streams. */
export interface ModernServing extends McpServing {
  readonly notify: ServerNotifier;
}

/**
 * Serves SDK v2 servers built by `factory` through the SDK's own handler,
 * loaded only when a v2 server is served (the SDK is an optional peer).
 *
 * @example
 * ```ts
 * const serving = await createModernServing((ctx) => buildServer(), {});
 * const response = await serving.fetch(request, authInfo, undefined);
 * ```
 */
export async function createModernServing(factory: SdkV2ServerFactory, options: SdkV2HandlerOptions = {}): Promise<ModernServing> {
  const sdk = await import('@modelcontextprotocol/server');
  const handler = sdk.createMcpHandler(factory, options);
  return {
    fetch: (request: Request, authInfo: AuthInfo | undefined, parsedBody: unknown) => handler.fetch(request, { authInfo, parsedBody }),
    sessionCount: 0,
    notify: handler.notify,
    close: () => handler.close(),
  };
}
