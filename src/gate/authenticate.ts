import type { GatehouseConfig } from '../config/schema.js';
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError, OAuthError } from '../errors.js';
import type { AuthInfo, TokenVerifier } from '../tokens/types.js';
import type { AuthenticateOptions, GateRequest, GateResult } from '../types.js';
import { extractBearerToken } from './bearer.js';
import { challengeResponse, challengeScopes } from './challenge.js';
import { readJsonBody } from './read-body.js';
import { resourceUrls } from './resource.js';
import { toolStepUp } from './tool-scopes.js';

/** What the gate needs to check a request. */
export interface GateContext {
  config: GatehouseConfig;
  verifier: TokenVerifier;
  /**
   * Awaited before the first verification (upstream metadata, keys). A
   * rejection becomes a 401 `ERR_JWKS_UNAVAILABLE`, so clients retry later
   * instead of giving up on a 500.
   */
  prepare?: (() => Promise<void> | undefined) | undefined;
}

/** What the check needs from the config, worked out once per config rather than per request. */
interface ScopePlan {
  required: string[];
  hasToolScopes: boolean;
}

const plans = new WeakMap<GatehouseConfig, ScopePlan>();

function scopePlan(config: GatehouseConfig): ScopePlan {
  let plan = plans.get(config);
  if (!plan) {
    plan = { required: challengeScopes(config.scopes.required), hasToolScopes: Object.keys(config.scopes.tools).length > 0 };
    plans.set(config, plan);
  }
  return plan;
}

function audienceFor(config: GatehouseConfig, resource: string): string[] {
  if (config.audience === undefined) return [resource];
  return Array.isArray(config.audience) ? config.audience : [config.audience];
}

/** Anything thrown while checking becomes an OAuth error; a plain Error would end as a 500. */
function asOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  return new InvalidTokenError('ERR_VERIFICATION_FAILED', 'The access token could not be verified', { cause: err });
}

/** Undefined once the metadata and keys are there (every request but the first few): nothing to await. */
function prepared(context: GateContext): Promise<void> | undefined {
  const pending = context.prepare?.();
  return pending ? waitForPrepare(pending) : undefined;
}

async function waitForPrepare(pending: Promise<void>): Promise<void> {
  try {
    await pending;
  } catch (err) {
    throw new InvalidTokenError(
      'ERR_JWKS_UNAVAILABLE',
      "The authorization server's metadata or keys cannot be loaded right now; try again later",
      { cause: err },
    );
  }
}

/** The body to check: the adapter's (no await needed, the common case), else read from the Request. */
function bodyOf(request: Request | GateRequest, options: AuthenticateOptions | undefined): unknown {
  if (options?.body !== undefined) return options.body === null ? undefined : parsedBody(options.body);
  if (options?.readBody) return readOnDemand(options.readBody);
  if (isWebRequest(request)) return readJsonBody(request);
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  // A light request has no body to read: checking nothing would let a tools/call skip its scope check.
  throw new InvalidRequestError('ERR_REQUEST_BODY_UNCHECKABLE', 'The request body cannot be checked for per-tool scopes: the adapter passed no body');
}

async function readOnDemand(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    // A body cut off midway (the client went away) is not a token problem: a 401 would send the client to sign in again.
    throw new InvalidRequestError('ERR_REQUEST_BODY_UNCHECKABLE', 'The request body cannot be checked for per-tool scopes: it could not be read', { cause: err });
  }
}

function isWebRequest(request: Request | GateRequest): request is Request {
  return typeof (request as Request).clone === 'function';
}

function parsedBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

async function check(request: Request | GateRequest, context: GateContext, options: AuthenticateOptions | undefined, resource: string): Promise<AuthInfo> {
  const { config } = context;
  const token = extractBearerToken(request, config.jwt);
  const preparing = prepared(context);
  if (preparing) await preparing;
  let authInfo = await context.verifier.verify(token, { resource, audience: audienceFor(config, resource) });
  if (!authInfo.resource) authInfo = { ...authInfo, resource: new URL(resource) };

  const granted = new Set(authInfo.scopes);
  const { required, hasToolScopes } = scopePlan(config);
  const missing = required.filter((scope) => !granted.has(scope));
  if (missing.length > 0) {
    throw new InsufficientScopeError(`The token lacks the scope(s) this server requires: ${missing.join(' ')}`, [...required, ...authInfo.scopes]);
  }

  if (hasToolScopes) {
    let body = bodyOf(request, options);
    if (body instanceof Promise) body = await body;
    const stepUp = toolStepUp(body, config.scopes.tools, authInfo.scopes, required);
    if (stepUp) {
      throw new InsufficientScopeError(`Tool ${stepUp.tools.join(', ')} needs the scope(s) ${stepUp.missing.join(' ')}`, stepUp.scopes);
    }
  }
  return authInfo;
}

/**
 * The whole check of a request to the protected endpoint: bearer token →
 * verification against this resource's audience → required scopes → per-tool
 * scopes of a `tools/call`. The body is read only for the last step, so a
 * request without a valid token is refused before its body is read. Never
 * throws: every failure is a `GateResult` with the 400/401/403 (or 413)
 * response and its challenge.
 *
 * @example
 * ```ts
 * const result = await authenticateRequest(request, { config, verifier });
 * if (!result.ok) return result.response;
 * return handleMcp(request, result.authInfo);
 * ```
 */
export async function authenticateRequest(request: Request | GateRequest, context: GateContext, options?: AuthenticateOptions): Promise<GateResult> {
  const { config } = context;
  let resource: string;
  let resourceMetadata: string;
  try {
    ({ resource, metadata: resourceMetadata } = resourceUrls(request, config));
  } catch (err) {
    // Only a request whose URL cannot be parsed gets here; there is no origin to point at.
    const error = asOAuthError(err);
    return { ok: false, error, response: challengeResponse(error, { resourceMetadata: '/.well-known/oauth-protected-resource' }) };
  }

  try {
    return { ok: true, authInfo: await check(request, context, options, resource) };
  } catch (err) {
    const error = asOAuthError(err);
    return { ok: false, error, response: challengeResponse(error, { resourceMetadata, scopes: config.scopes.required }) };
  }
}
