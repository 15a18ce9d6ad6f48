import * as oidc from 'openid-client';
import { UpstreamError } from '../../errors.js';

/**
 * Turns what went wrong in a call to the upstream into an `UpstreamError`
 * whose message names the upstream, what was being done and what to check;
 * never a token or a secret.
 *
 * @example
 * ```ts
 * try { await oidc.refreshTokenGrant(config, token) } catch (err) { throw upstreamFailure(err, 'Okta', 'refreshing a token', 10_000) }
 * ```
 */
export function upstreamFailure(err: unknown, label: string, doing: string, timeoutMs?: number): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const answered = oauthErrorOf(err);
  if (answered) {
    const { error, error_description } = answered;
    const said = `${error}${error_description ? `: ${error_description}` : ''}`;
    if (error === 'invalid_client' || error === 'unauthorized_client' || answered.status === 401) {
      return new UpstreamError(
        'ERR_UPSTREAM_REFUSED',
        `${label} refused Gatehouse's client credentials while ${doing} (${said}); check GATEHOUSE_UPSTREAM_CLIENT_ID and GATEHOUSE_UPSTREAM_CLIENT_SECRET (or GATEHOUSE_UPSTREAM_PRIVATE_KEY, whose public key the app there must have) against the app registered there`,
        { error, error_description, cause: err },
      );
    }
    return new UpstreamError('ERR_UPSTREAM_REFUSED', `${label} refused ${doing} (${said})`, { error, error_description, cause: err });
  }
  if (isUnreachable(err)) {
    const timedOut = isTimeout(err);
    const within = timeoutMs === undefined ? 'in time' : `within ${seconds(timeoutMs)}`;
    const summary = timedOut ? `did not answer ${within} while ${doing}` : `could not be reached while ${doing}`;
    const cause = timedOut ? `no answer ${within}` : causeText(err);
    return new UpstreamError('ERR_UPSTREAM_UNREACHABLE', `${label} could not be reached while ${doing} (${cause}); check that it is up and reachable from this server`, { cause: err, summary });
  }
  return new UpstreamError('ERR_UPSTREAM_INVALID_RESPONSE', `${label} answered something Gatehouse cannot use while ${doing} (${causeText(err)})`, { cause: err });
}

/** A timeout anywhere in the chain of causes (openid-client wraps the fetch's `TimeoutError`). */
function isTimeout(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'TimeoutError' || /timed out/i.test(err.message)) return true;
  return err.cause !== undefined && err.cause !== err && isTimeout(err.cause);
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function oauthErrorOf(err: unknown): { error: string; error_description?: string; status?: number } | undefined {
  if (err instanceof oidc.ResponseBodyError) return { error: err.error, error_description: err.error_description, status: err.status };
  if (err instanceof oidc.AuthorizationResponseError) return { error: err.error, error_description: err.error_description };
  return undefined;
}

function isUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return true;
  if (/operation timed out/i.test(err.message)) return true;
  if (err instanceof TypeError && /fetch failed/i.test(err.message)) return true;
  return err.cause !== undefined && err.cause !== err && isUnreachable(err.cause);
}

function causeText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'no answer in time';
  return `${err.message}${cause}`.slice(0, 300);
}
