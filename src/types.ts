import type { GatehouseConfig } from './config/schema.js';
import type { OAuthError } from './errors.js';
import type { AuthInfo, TokenVerifier } from './tokens/types.js';

/**
 * The parts of a request the gate reads to check a token: a Web `Request`
 * has them all. Adapters may pass a lighter object (building a `Request`
 * costs more than verifying a cached token) together with
 * `AuthenticateOptions.body`, so the body is never read from it.
 *
 * @example
 * ```ts
 * const result = await gate.authenticate({ method: 'POST', url: 'https://mcp.example.com/mcp', headers: new Headers(req.headers) }, { body });
 * ```
 */
export interface GateRequest {
  readonly method: string;
  /** The absolute URL: the configured public origin and the request target. */
  readonly url: string;
  readonly headers: { get(name: string): string | null };
}

/**
 * The result of checking a request to the protected endpoint.
 *
 * @example
 * ```ts
 * const result = await gate.authenticate(request);
 * if (!result.ok) return result.response; // 401 or 403 with its challenge
 * return handle(request, result.authInfo);
 * ```
 */
export type GateResult =
  | { ok: true; authInfo: AuthInfo }
  | { ok: false; response: Response; error: OAuthError };

/**
 * Options for `Gatehouse.authenticate`.
 *
 * @example
 * ```ts
 * await gate.authenticate(request, { body: req.body }); // a framework already parsed the JSON
 * ```
 */
export interface AuthenticateOptions {
  /**
   * The request body, already parsed as JSON, when a framework has consumed
   * the stream. Used to find `tools/call` requests that need per-tool scopes.
   * When absent and the request is a POST, the gate reads a clone of it;
   * `null` says there is no JSON body to look at.
   */
  body?: unknown;
  /**
   * Reads the body on demand, for adapters that have not read it yet: called
   * at most once, and only after the token is verified and the endpoint's
   * required scopes are there, when per-name scopes or `headerCheck:
   * 'always'` need the body. So a request without a valid token is refused
   * before a byte of its body is read. Resolves to the parsed JSON (`undefined`: no JSON body); an
   * `OAuthError` it throws (e.g. `RequestTooLargeError`) is the answer. Called as a method of these options
   * (`this` is the options object), so an adapter may pass one object per request instead of a closure.
   */
  readBody?: () => Promise<unknown>;
}

/**
 * A configured gate: answers the front doors and checks requests to the MCP
 * endpoint. Web-standard `Request` in, `Response` out; adapters wrap it.
 *
 * @example
 * ```ts
 * const gate: Gatehouse = createGatehouse(config);
 * export default { fetch: (request: Request) => gate.fetch(request, (req, authInfo) => mcp.fetch(req, { authInfo })) };
 * ```
 */
export interface Gatehouse {
  readonly config: GatehouseConfig;
  readonly verifier: TokenVerifier;
  /**
   * Fetches upstream metadata and keys; rejects with a `DiscoveryError` naming
   * every URL tried when the issuer cannot be reached. Safe to call twice.
   */
  ready(): Promise<void>;
  /** True when `request` targets the protected endpoint (its path or below it). */
  protects(request: Request | GateRequest): boolean;
  /**
   * True when `handle` answers some request to this path (a discovery
   * document, the DCR façade), so adapters can skip building a `Request` for
   * every other path. `OPTIONS` requests may be answered on other paths too.
   */
  servesPath(pathname: string): boolean;
  /**
   * Answers Gatehouse's own routes (discovery documents, their CORS
   * preflights, the DCR façade). Resolves to `null` for any other request.
   */
  handle(request: Request): Promise<Response | null>;
  /** Checks the bearer token, required scopes and per-tool scopes of a request. */
  authenticate(request: Request | GateRequest, options?: AuthenticateOptions): Promise<GateResult>;
  /**
   * Everything in one call: own routes, then the gate for the protected
   * endpoint, then `next` with the verified `AuthInfo` (or `undefined` for
   * unprotected paths). CORS exposure of `WWW-Authenticate` is added.
   */
  fetch(request: Request, next: (request: Request, authInfo: AuthInfo | undefined) => Response | Promise<Response>): Promise<Response>;
  /** Stops refresh timers. */
  close(): void;
}
