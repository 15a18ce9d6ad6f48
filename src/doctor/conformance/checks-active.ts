import { isJsonObject } from '../../discovery/http.js';
import type { Exchange } from '../http.js';
import { evidenceOf, met, noted, notObservable, unmet } from './evidence.js';
import type { Observed } from './observe.js';
import { jsonRpcOf, MODERN, rpcErrorCode } from './observe-modern.js';
import type { RegistrationProbes } from './observe-registration.js';
import type { Probe } from './observe-tokens.js';
import type { Verdict } from './types.js';

/**
 * The checks that need more than a look: registration and authorization
 * requests (`--register`) and the 2026-07-28 header rules (`--token`, on a
 * server that speaks 2026-07-28).
 */

const show = (p: Probe, body = true) => evidenceOf(p.exchange, p.label, { body });
const HEADER_MISMATCH = -32020;
const UNSUPPORTED_VERSION = -32022;
const METHOD_NOT_FOUND = -32601;

function withRegistration(o: Observed, judge: (r: RegistrationProbes) => Verdict): Verdict {
  if (!o.registration) return notObservable('run with --register to judge (it registers test clients on the authorization server)');
  if ('skipped' in o.registration) return notObservable(o.registration.skipped);
  return judge(o.registration);
}

/** A probe of an authorization request, when the test client could be registered. */
function withAuthorize(o: Observed, pick: (r: RegistrationProbes) => Probe | undefined, judge: (p: Probe, r: RegistrationProbes) => Verdict): Verdict {
  return withRegistration(o, (r) => {
    const probe = pick(r);
    if (!probe) return notObservable(r.clientId ? 'the authorization server advertises no authorization_endpoint' : 'the test client with a loopback redirect URI was not registered', show(r.registered));
    return judge(probe, r);
  });
}

function refused(p: Probe): Verdict {
  const { status } = p.exchange;
  if (status === 0) return notObservable(`the registration endpoint did not answer: ${p.exchange.error ?? 'no answer'}`, show(p));
  return status >= 400 && status < 500 ? met(show(p)) : unmet([show(p)]);
}

/** The redirect's target, when the answer is a redirect. */
function locationOf(e: Exchange): URL | undefined {
  const location = e.headers.get('location');
  return e.status >= 300 && e.status < 400 && location && URL.canParse(location, e.url) ? new URL(location, e.url) : undefined;
}

/** The authorization error response sent back to the client's redirect URI, if that is what came. */
function errorRedirect(p: Probe, redirectUri: string | undefined): URL | undefined {
  const to = locationOf(p.exchange);
  return to && redirectUri && to.href.startsWith(redirectUri) && to.searchParams.has('error') ? to : undefined;
}

/** The issuer the PRM names: the identity clients record (a metadata document naming another is its own failure). */
function issuerOf(o: Observed): string | undefined {
  return o.as?.issuer;
}

const advertisesIss = (o: Observed) => (o.as?.oauth ?? o.as?.oidc)?.json.authorization_response_iss_parameter_supported === true;

function withModern(o: Observed, judge: () => Verdict): Verdict {
  const { eras } = o.modern;
  if (!o.hasToken) return notObservable('needs --token: without a token every request gets the same 401');
  if (eras.modern !== true) return notObservable(`applies to servers that speak ${MODERN}; this one does not (server/discover offered ${JSON.stringify(eras.supportedVersions ?? null)})`, ...eras.evidence);
  return judge();
}

function rejectsAsMismatch(p: Probe | undefined): Verdict {
  if (!p) return notObservable('not probed');
  return p.exchange.status === 400 && rpcErrorCode(p.exchange) === HEADER_MISMATCH ? met(show(p)) : unmet([show(p)]);
}

export const ACTIVE_CHECKS = {
  'register-refuses-http': (o: Observed) => withRegistration(o, (r) => refused(r.refusedHttp)),
  'register-refuses-fragment': (o: Observed) => withRegistration(o, (r) => refused(r.refusedFragment)),
  'authorize-loopback-any-port': (o: Observed) => withAuthorize(o, (r) => r.anyPort, (p) => {
    if (p.exchange.status === 0) return notObservable(`the authorization endpoint did not answer: ${p.exchange.error ?? 'no answer'}`);
    return p.exchange.status < 400 ? met(show(p, false)) : unmet([show(p)]);
  }),
  'authorize-exact-redirect': (o: Observed) => withAuthorize(o, (r) => r.foreignRedirect, (p) => {
    // Refused on the spot: an authorization server that goes on to sign-in has not matched the redirect URI.
    const { status } = p.exchange;
    if (status === 0) return notObservable(`the authorization endpoint did not answer: ${p.exchange.error ?? 'no answer'}`);
    return status >= 400 && status < 500 && locationOf(p.exchange)?.hostname !== 'attacker.example.com' ? met(show(p, false)) : unmet([show(p, false)]);
  }),
  'authorize-pkce-required': (o: Observed) => withAuthorize(o, (r) => r.noPkce, (p, r) => {
    const to = errorRedirect(p, r.redirectUri);
    if (to) return to.searchParams.get('error') === 'invalid_request' ? met(show(p, false)) : unmet([show(p, false)]);
    // Refused in place, on the server's own error page: MCP lets an AS not redirect to a URI it does not trust.
    const { status } = p.exchange;
    return status >= 400 && status < 500 ? met(show(p, false)) : unmet([show(p, false)]);
  }),
  'authorize-iss-in-error': (o: Observed) => withAuthorize(o, (r) => r.noPkce, (p, r) => {
    const to = errorRedirect(p, r.redirectUri);
    if (!to) return notObservable('no authorization error response came back to the client (see rfc7636/missing-challenge)', show(p, false));
    const iss = to.searchParams.get('iss');
    if (iss === null && !advertisesIss(o)) return notObservable('the authorization server does not claim RFC 9207 support (authorization_response_iss_parameter_supported is not true)', show(p, false));
    const evidence = [show(p, false), noted(`iss ${JSON.stringify(iss)}, issuer ${JSON.stringify(issuerOf(o))}`)];
    return iss !== null && iss === issuerOf(o) ? met(...evidence) : unmet(evidence);
  }),
  'authorize-iss-advertised': (o: Observed) => withAuthorize(o, (r) => r.noPkce, (p, r) => {
    const iss = errorRedirect(p, r.redirectUri)?.searchParams.get('iss');
    if (!iss) return notObservable('no iss parameter was seen in an authorization response', show(p, false));
    const evidence = [show(p, false), noted(`authorization_response_iss_parameter_supported: ${JSON.stringify((o.as?.oauth ?? o.as?.oidc)?.json.authorization_response_iss_parameter_supported)}`)];
    return advertisesIss(o) ? met(...evidence) : unmet(evidence);
  }),
  // The era is known from server/discover itself, so on a server that speaks 2026-07-28 this holds by definition; kept so that the report shows the answer.
  'modern-discover': (o: Observed) => withModern(o, () => met(...o.modern.eras.evidence.slice(0, 1))),
  'modern-server-info': (o: Observed) => withModern(o, () => {
    const meta = o.modern.discoverResult?._meta;
    if (!o.modern.discoverResult) return notObservable('server/discover gave no result (see server-discover)');
    const info = isJsonObject(meta) ? meta['io.modelcontextprotocol/serverInfo'] : undefined;
    const evidence = noted(`serverInfo: ${JSON.stringify(info ?? null)}`);
    return isJsonObject(info) && typeof info.name === 'string' ? met(evidence) : unmet([evidence]);
  }),
  'modern-method-mismatch': (o: Observed) => withModern(o, () => rejectsAsMismatch(o.modern.probes?.methodMismatch)),
  'modern-name-mismatch': (o: Observed) => withModern(o, () => rejectsAsMismatch(o.modern.probes?.nameMismatch)),
  'modern-version-mismatch': (o: Observed) => withModern(o, () => rejectsAsMismatch(o.modern.probes?.versionMismatch)),
  'modern-missing-method': (o: Observed) => withModern(o, () => rejectsAsMismatch(o.modern.probes?.missingMethod)),
  'modern-missing-name': (o: Observed) => withModern(o, () => rejectsAsMismatch(o.modern.probes?.missingName)),
  'modern-base64-name': (o: Observed) => withModern(o, () => {
    const p = o.modern.probes!.base64Name;
    return rpcErrorCode(p.exchange) === HEADER_MISMATCH ? unmet([show(p)]) : met(show(p));
  }),
  'modern-unsupported-version': (o: Observed) => withModern(o, () => {
    const p = o.modern.probes!.unsupportedVersion;
    const error = jsonRpcOf(p.exchange)?.error;
    const data = isJsonObject(error) && isJsonObject(error.data) ? error.data : undefined;
    const lists = Array.isArray(data?.supported) && data.supported.length > 0;
    return p.exchange.status === 400 && rpcErrorCode(p.exchange) === UNSUPPORTED_VERSION && lists ? met(show(p)) : unmet([show(p)]);
  }),
  'modern-unknown-method': (o: Observed) => withModern(o, () => {
    const p = o.modern.probes!.unknownMethod;
    return p.exchange.status === 404 && rpcErrorCode(p.exchange) === METHOD_NOT_FOUND ? met(show(p)) : unmet([show(p)]);
  }),
} satisfies Record<string, (o: Observed) => Verdict>;
