import type { GatehouseConfig } from '../config/schema.js';
import { HeaderMismatchError, InsufficientScopeError, InvalidRequestError, InvalidTokenError, OAuthError } from '../errors.js';
import { corsHeaders } from '../http/cors.js';
import type { AuthInfo, TokenVerifier } from '../tokens/types.js';
import { rememberedBy } from '../tokens/verification-cache.js';
import type { AuthenticateOptions, GateRequest, GateResult } from '../types.js';
import { extractBearerToken } from './bearer.js';
import { challengeResponse, challengeScopes } from './challenge.js';
import { checkTarget, scopePlan, type CheckTarget, type ScopePlan } from './gate-plan.js';
import { readJsonBody } from './read-body.js';
import { describeStepUp, nameStepUp } from './name-scopes.js';
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

/** Anything thrown while checking becomes an OAuth error; a plain Error would end as a 500. */
function asOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  return new InvalidTokenError('ERR_VERIFICATION_FAILED', 'The access token could not be verified', { cause: err });
}


/** A refusal as the gate answers it: a challenge, or the JSON-RPC error of a header/body disagreement. */
function refusal(err: unknown, config: GatehouseConfig, resourceMetadata: string): GateResult {
  const error = asOAuthError(err);
  // Not an authorization failure: a JSON-RPC error the client's SDK reads, and no challenge that would send it to sign in.
  if (error instanceof HeaderMismatchError) return { ok: false, error, response: headerMismatchResponse(error, corsHeaders()) };
  return { ok: false, error, response: challengeResponse(error, { resourceMetadata, scopes: scopePlan(config).challenged }) };
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

/** The adapter's reader failed: a body cut off midway (the client went away) is not a token problem, and a 401 would send the client to sign in again. */
function unreadable(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  return new InvalidRequestError('ERR_REQUEST_BODY_UNCHECKABLE', 'The request body cannot be checked for per-tool scopes: it could not be read', { cause: err });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * The body to check: the adapter's (no await needed, the common case) as a value, else a promise of it read
 * from the adapter's reader or the Request. A rejection of the reader's promise is not mapped here: see `unreadable`.
 */
function bodyOf(request: Request | GateRequest, options: AuthenticateOptions | undefined): unknown {
  if (options?.body !== undefined) return options.body === null ? undefined : parsedBody(options.body);
  if (options?.readBody) {
    let reading: unknown;
    try {
      // Called as a method of the options, so an adapter can pass one object per request rather than a fresh closure.
      reading = options.readBody();
    } catch (err) {
      throw unreadable(err);
    }
    return isThenable(reading) ? Promise.resolve(reading) : reading;
  }
  if (isWebRequest(request)) return readJsonBody(request);
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  // A light request has no body to read: checking nothing would let a tools/call skip its scope check.
  throw new InvalidRequestError('ERR_REQUEST_BODY_UNCHECKABLE', 'The request body cannot be checked for per-tool scopes: the adapter passed no body');
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

/** The endpoint's required scopes the token lacks, or `undefined`: without a set or an array when nothing is. */
function lackingScopes({ required, rules }: ScopePlan, granted: string[]): string[] | undefined {
  if (required.length === 0) return undefined;
  // A list of scopes (as the type says): looked through as it is. Anything else a custom verifier returns is
  // judged as a set of its items, as before, never by `includes` on a string ('mcp:admin'.includes('mcp')).
  const satisfied = rules.hierarchy.empty && Array.isArray(granted) ? undefined : rules.hierarchy.expand(granted);
  let missing: string[] | undefined;
  for (const scope of required) if (!(satisfied ? satisfied.has(scope) : granted.includes(scope))) (missing ??= []).push(scope);
  return missing;
}

/** The checks after the body is known: the standard headers against it, then the per-name scopes of its calls. */
function checkBody(request: Request | GateRequest, plan: ScopePlan, authInfo: AuthInfo, body: unknown): GateResult {
  // Before the per-name scopes: they are read from the body, which must be the request the headers announce.
  const mismatch = standardHeaderMismatch(request.headers, body);
  if (mismatch) throw mismatch;
  if (plan.rules.any) {
    const stepUp = nameStepUp(body, plan.rules, authInfo.scopes, plan.required);
    if (stepUp) throw new InsufficientScopeError(describeStepUp(stepUp), stepUp.scopes);
  }
  return { ok: true, authInfo };
}

/**
 * Everything after the token is verified, synchronously as far as it goes: a promise only while a body is read.
 * Throws what it refuses; a promise it returns resolves to the refusal instead.
 */
function afterVerify(request: Request | GateRequest, options: AuthenticateOptions | undefined, target: CheckTarget, verified: AuthInfo): GateResult | Promise<GateResult> {
  const authInfo = verified.resource ? verified : { ...verified, resource: new URL(target.resource) };
  const plan = scopePlan(target.config);
  const missing = lackingScopes(plan, authInfo.scopes);
  if (missing) {
    // Refused whatever the body says, so a token without the endpoint's scopes never costs a body read.
    const scopes = plan.rules.hierarchy.minimal(challengeScopes([...plan.required, ...authInfo.scopes]));
    throw new InsufficientScopeError(`The token lacks the scope(s) this server requires: ${missing.join(' ')}`, scopes);
  }
  if (!plan.readsBody && !heldBody(options)) return { ok: true, authInfo };
  const body = bodyOf(request, options);
  if (!(body instanceof Promise)) return checkBody(request, plan, authInfo, body);
  const fromAdapter = options?.body === undefined && options?.readBody !== undefined;
  // One continuation that settles the whole check: no further promise between the body and the answer.
  return body.then(
    function bodyRead(value: unknown) {
      try {
        return checkBody(request, plan, authInfo, value);
      } catch (err) {
        return refusal(err, target.config, target.resourceMetadata);
      }
    },
    (err: unknown) => refusal(fromAdapter ? unreadable(err) : err, target.config, target.resourceMetadata),
  );
}

/** A token the verifier cannot answer at once (first seen, or the metadata still loading): the awaited path. */
async function verifyThenCheck(request: Request | GateRequest, context: GateContext, options: AuthenticateOptions | undefined, target: CheckTarget, token: string, pending: Promise<void> | undefined): Promise<GateResult> {
  try {
    if (pending) await waitForPrepare(pending);
    const verified = await context.verifier.verify(token, target.verifyContext);
    return await afterVerify(request, options, target, verified);
  } catch (err) {
    return refusal(err, target.config, target.resourceMetadata);
  }
}

function check(request: Request | GateRequest, context: GateContext, options: AuthenticateOptions | undefined, target: CheckTarget): GateResult | Promise<GateResult> {
  const token = extractBearerToken(request, target.config.jwt);
  // Undefined once the metadata and keys are there (every request but the first few): nothing to wait for.
  const pending = context.prepare?.();
  // A repeated token: the verifier's remembered result, checked against this request's audience, without a promise.
  const remembered = pending ? undefined : rememberedBy(context.verifier, token, target.verifyContext);
  if (!remembered) return verifyThenCheck(request, context, options, target, token, pending);
  return afterVerify(request, options, target, remembered);
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
 * response and its challenge. A repeated token the verifier remembers, with
 * no body to wait for, is decided before this returns.
 *
 * @example
 * ```ts
 * const result = await authenticateRequest(request, { config, verifier });
 * if (!result.ok) return result.response;
 * return handleMcp(request, result.authInfo);
 * ```
 */
export function authenticateRequest(request: Request | GateRequest, context: GateContext, options?: AuthenticateOptions): Promise<GateResult> {
  const { config } = context;
  let target: CheckTarget;
  try {
    target = checkTarget(config, resourceUrls(request, config));
  } catch (err) {
    // Only a request whose URL cannot be parsed gets here; there is no origin to point at.
    const error = asOAuthError(err);
    return Promise.resolve({ ok: false, error, response: challengeResponse(error, { resourceMetadata: '/.well-known/oauth-protected-resource' }) });
  }
  try {
    const result = check(request, context, options, target);
    return result instanceof Promise ? result : Promise.resolve(result);
  } catch (err) {
    return Promise.resolve(refusal(err, config, target.resourceMetadata));
  }
}
