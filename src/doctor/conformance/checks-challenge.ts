import type { Exchange } from '../http.js';
import { isJsonDocument } from '../http.js';
import { parseChallenges, type Challenge } from '../www-authenticate.js';
import { evidenceOf, met, notObservable, unmet } from './evidence.js';
import type { Observed } from './observe.js';
import type { Probe } from './observe-tokens.js';
import type { Evidence, Verdict } from './types.js';

/** The checks of how the MCP endpoint challenges and refuses. */

export function bearerOf(exchange: Exchange): Challenge | undefined {
  const header = exchange.headers.get('www-authenticate');
  return header ? parseChallenges(header).find((c) => c.scheme.toLowerCase() === 'bearer') : undefined;
}

function noTokenProbe(o: Observed): Probe {
  return { label: `POST ${o.url.href} (initialize) without a token`, exchange: o.challenge.exchange };
}

/** Every refusal the doctor provoked: no token, made-up tokens, the unsigned one. */
function refusals(o: Observed): Probe[] {
  return [noTokenProbe(o), ...(o.tokens ? [...o.tokens.malformed, o.tokens.unsigned] : [])];
}

const show = (p: Probe, body = true): Evidence => evidenceOf(p.exchange, p.label, { body });
const ok = (status: number) => status >= 200 && status < 300;

const ERROR_CHARS = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export const CHALLENGE_CHECKS = {
  'challenge-www-authenticate'(o: Observed): Verdict {
    const refused = refusals(o).filter((p) => p.exchange.status !== 0 && !ok(p.exchange.status));
    if (refused.length === 0) return notObservable('no request was refused');
    const bare = refused.filter((p) => !bearerOf(p.exchange));
    return bare.length === 0 ? met(...refused.map((p) => show(p, false))) : unmet(bare.map((p) => show(p)));
  },
  'challenge-resource-metadata'(o: Observed): Verdict {
    const probe = noTokenProbe(o);
    const metadata = bearerOf(probe.exchange)?.params.resource_metadata;
    const evidence = [show(probe, false), ...(o.prm.header ? [evidenceOf(o.prm.header)] : [])];
    if (probe.exchange.status !== 401) return unmet(evidence, 'Answer a request without a token with 401 and WWW-Authenticate: Bearer resource_metadata="<PRM URL>"');
    if (!metadata || !o.challenge.resourceMetadataUrl) return unmet(evidence);
    return o.prm.header && isJsonDocument(o.prm.header) ? met(...evidence) : unmet(evidence, `Serve the PRM at ${metadata}, the URL resource_metadata names`);
  },
  'challenge-no-error-without-token'(o: Observed): Verdict {
    const probe = noTokenProbe(o);
    const bearer = bearerOf(probe.exchange);
    if (!bearer) return notObservable('the answer to a request without a token has no Bearer challenge', show(probe, false));
    return bearer.params.error === undefined ? met(show(probe, false)) : unmet([show(probe, false)]);
  },
  'challenge-attributes-once'(o: Observed): Verdict {
    const seen = refusals(o).filter((p) => bearerOf(p.exchange));
    if (seen.length === 0) return notObservable('no Bearer challenge was seen');
    const repeated = seen.filter((p) => (bearerOf(p.exchange)!.repeated ?? []).length > 0);
    return repeated.length === 0 ? met(...seen.map((p) => show(p, false))) : unmet(repeated.map((p) => show(p, false)));
  },
  'challenge-attribute-charset'(o: Observed): Verdict {
    const seen = refusals(o).filter((p) => bearerOf(p.exchange));
    if (seen.length === 0) return notObservable('no Bearer challenge was seen');
    const bad = seen.filter((p) => {
      const { error, error_description: description, scope } = bearerOf(p.exchange)!.params;
      const scopeBad = scope !== undefined && !scope.split(' ').every((s) => SCOPE_TOKEN.test(s));
      return scopeBad || [error, description].some((v) => v !== undefined && !ERROR_CHARS.test(v));
    });
    return bad.length === 0 ? met(...seen.map((p) => show(p, false))) : unmet(bad.map((p) => show(p, false)));
  },
  'challenge-scope'(o: Observed): Verdict {
    const probe = noTokenProbe(o);
    const bearer = bearerOf(probe.exchange);
    if (!bearer) return notObservable('the answer to a request without a token has no Bearer challenge', show(probe, false));
    return bearer.params.scope?.trim() ? met(show(probe, false)) : unmet([show(probe, false)]);
  },
  'challenge-no-offline-access'(o: Observed): Verdict {
    const probe = noTokenProbe(o);
    const bearer = bearerOf(probe.exchange);
    if (!bearer) return notObservable('the answer to a request without a token has no Bearer challenge', show(probe, false));
    return (bearer.params.scope ?? '').split(' ').includes('offline_access') ? unmet([show(probe, false)]) : met(show(probe, false));
  },
  'invalid-token-401'(o: Observed): Verdict {
    const probes = o.tokens?.malformed ?? [];
    const wrong = probes.filter((p) => p.exchange.status !== 401);
    return wrong.length === 0 ? met(...probes.map((p) => show(p, false))) : unmet(wrong.map((p) => show(p)));
  },
  'invalid-token-error-code'(o: Observed): Verdict {
    const probes = (o.tokens?.malformed ?? []).filter((p) => bearerOf(p.exchange));
    if (probes.length === 0) return notObservable('no made-up token got a Bearer challenge (see invalid-token-401)');
    const silent = probes.filter((p) => !['invalid_token', 'invalid_request'].includes(bearerOf(p.exchange)!.params.error ?? ''));
    return silent.length === 0 ? met(...probes.map((p) => show(p, false))) : unmet(silent.map((p) => show(p, false)));
  },
  'unsigned-token-401'(o: Observed): Verdict {
    const probe = o.tokens!.unsigned;
    return probe.exchange.status === 401 ? met(show(probe, false)) : unmet([show(probe)]);
  },
  'query-token-refused'(o: Observed): Verdict {
    const probe = o.tokens?.query;
    if (!probe) return notObservable('needs --token: a made-up token in the query string would be refused for being made up');
    const { status } = probe.exchange;
    return status >= 400 && status < 500 ? met(show(probe, false)) : unmet([show(probe)]);
  },
  'two-authorization-headers-400'(o: Observed): Verdict {
    const probe = o.tokens!.twoHeaders;
    if (probe.exchange.status === 0) return notObservable(`the request got no answer: ${probe.exchange.error ?? 'no answer'}`, show(probe));
    return probe.exchange.status === 400 ? met(show(probe, false)) : unmet([show(probe)]);
  },
} satisfies Record<string, (o: Observed) => Verdict>;
