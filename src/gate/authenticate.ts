import type { GatehouseConfig } from '../config/schema.js';
import { HeaderMismatchError, InsufficientScopeError, InvalidRequestError, InvalidTokenError, OAuthError } from '../errors.js';
import { corsHeaders } from '../http/cors.js';
import type { AuthInfo, TokenVerifier } from '../tokens/types.js';
import type { AuthenticateOptions, GateRequest, GateResult } from '../types.js';
import { extractBearerToken } from './bearer.js';
import { challengeResponse, challengeScopes } from './challenge.js';
import { readJsonBody } from './read-body.js';
import { describeStepUp, nameScopeRules, nameStepUp, type NameScopeRules } from './name-scopes.js';
import { resourceUrls } from './resource.js';
import { headerMismatchResponse, standardHeaderMismatch } from './standard-headers.js';

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
  /** Per-name scopes and the hierarchy. */
  rules: NameScopeRules;
  /** Whether every body is read: per-name scopes need it, and `headerCheck: 'always'` asks for it. */
  readsBody: boolean;
  /** The required scopes as a 401 names them: none another of them implies. */
  challenged: string[];
}

const plans = new WeakMap<GatehouseConfig, ScopePlan>();

function scopePlan(config: GatehouseConfig): ScopePlan {
  let plan = plans.get(config);
  if (!plan) {
    const rules = nameScopeRules(config.scopes);
    const required = challengeScopes(config.scopes.required);
    plan = { required, rules, readsBody: rules.any || config.headerCheck === 'always', challenged: rules.hierarchy.minimal(required) };
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
  if (options?.readBody) return readOnDemand(options as Required<Pick<AuthenticateOptions, 'readBody'>>);
  if (isWebRequest(request)) return readJsonBody(request);
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  // A light request has no body to read: checking nothing would let a tools/call skip its scope check.
  throw new InvalidRequestError('ERR_REQUEST_BODY_UNCHECKABLE', 'The request body cannot be checked for per-tool scopes: the adapter passed no body');
}

/** Called as a method of the options, so an adapter can pass one object per request rather than a fresh closure. */
async function readOnDemand(options: Required<Pick<AuthenticateOptions, 'readBody'>>): Promise<unknown> {
  try {
    return await options.readBody();
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

/** A body the adapter already holds parsed: checking its headers costs no read. */
function heldBody(options: AuthenticateOptions | undefined): boolean {
  return options?.body !== undefined && options.body !== null;
}

async function check(request: Request | GateRequest, context: GateContext, options: AuthenticateOptions | undefined, resource: string): Promise<AuthInfo> {
  const { config } = context;
  const token = extractBearerToken(request, config.jwt);
  const preparing = prepared(context);
  if (preparing) await preparing;
  let authInfo = await context.verifier.verify(token, { resource, audience: audienceFor(config, resource) });
  if (!authInfo.resource) authInfo = { ...authInfo, resource: new URL(resource) };

  const { required, rules, readsBody } = scopePlan(config);
  const satisfied = rules.hierarchy.empty ? new Set(authInfo.scopes) : rules.hierarchy.expand(authInfo.scopes);
  const missing = required.filter((scope) => !satisfied.has(scope));
  if (missing.length > 0) {
    // Refused whatever the body says, so a token without the endpoint's scopes never costs a body read.
    const scopes = rules.hierarchy.minimal(challengeScopes([...required, ...authInfo.scopes]));
    throw new InsufficientScopeError(`The token lacks the scope(s) this server requires: ${missing.join(' ')}`, scopes);
  }

  if (readsBody || heldBody(options)) {
    let body = bodyOf(request, options);
    if (body instanceof Promise) body = await body;
    // Before the per-name scopes: they are read from the body, which must be the request the headers announce.
    const mismatch = standardHeaderMismatch(request.headers, body);
    if (mismatch) throw mismatch;
    if (rules.any) {
      const stepUp = nameStepUp(body, rules, authInfo.scopes, required);
      if (stepUp) throw new InsufficientScopeError(describeStepUp(stepUp), stepUp.scopes);
    }
  }
  return authInfo;
}

/**
 * The whole check of a request to the protected endpoint: bearer token →
 * verification against this resource's audience → required scopes → (when
 * the body is read) the MCP 2026-07-28 standard headers against the body
 * (400, `-32020`) → per-name scopes of `tools/call`, `resources/read` and
 * `prompts/get`; scope hierarchies honoured throughout. The body is read
 * only after the token and the required scopes pass, so a request without
 * them is refused before its body is read. Never
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
    // Not an authorization failure: a JSON-RPC error the client's SDK reads, and no challenge that would send it to sign in.
    if (error instanceof HeaderMismatchError) return { ok: false, error, response: headerMismatchResponse(error, corsHeaders()) };
    return { ok: false, error, response: challengeResponse(error, { resourceMetadata, scopes: scopePlan(config).challenged }) };
  }
}
