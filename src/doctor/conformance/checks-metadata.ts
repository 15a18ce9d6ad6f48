import { isLenientLoopbackHost } from '../../http/loopback.js';
import { endpointPath } from '../context.js';
import { isJsonDocument, type Exchange } from '../http.js';
import { evidenceOf, met, noted, notObservable, unmet } from './evidence.js';
import type { AsObservation, Observed } from './observe.js';
import type { Verdict } from './types.js';

/** The checks of the protected-resource and authorization-server metadata. */

const NO_PRM = 'no protected-resource metadata was found (see prm-implemented)';
const NO_AS = 'no PRM names an authorization server';

const isUrl = (v: unknown): v is string => typeof v === 'string' && URL.canParse(v) && /^https?:$/.test(new URL(v).protocol);
const answered = (e: Exchange | undefined): e is Exchange => !!e && e.status >= 200 && e.status < 300;
const show = (e: Exchange) => evidenceOf(e);

/** A metadata response as RFC 9728 §3.2 and RFC 8414 §3.2 want it: 200, application/json, a JSON object. */
function wellFormed(e: Exchange): boolean {
  const type = (e.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return e.status === 200 && type === 'application/json' && e.json !== undefined;
}

function prmPlaces(o: Observed): Exchange[] {
  return [...new Set([o.prm.header, o.prm.inserted, o.prm.root].filter((e): e is Exchange => !!e))];
}

/** The AS document clients use: RFC 8414 first, else OpenID Connect. */
function asDoc(as: AsObservation): (Exchange & { json: Record<string, unknown> }) | undefined {
  return as.oauth ?? as.oidc;
}

function withAs(o: Observed, judge: (as: AsObservation, doc: Exchange & { json: Record<string, unknown> }) => Verdict): Verdict {
  if (!o.as) return notObservable(NO_AS);
  const doc = asDoc(o.as);
  return doc ? judge(o.as, doc) : notObservable('no authorization-server metadata was found (see as-discovery-mechanism)', ...o.as.tried.map(show));
}

/** A check of one field of the AS document clients use. */
function field(name: string, test: (v: unknown) => boolean) {
  return (o: Observed): Verdict => withAs(o, (_as, doc) => {
    const evidence = [evidenceOf(doc, undefined, { body: false }), noted(`${name}: ${JSON.stringify(doc.json[name])}`)];
    return test(doc.json[name]) ? met(...evidence) : unmet(evidence);
  });
}

/** http allowed only on loopback, where the doctor cannot judge a deployment. */
function httpsOrLoopback(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || isLenientLoopbackHost(url.hostname);
}

export const METADATA_CHECKS = {
  'prm-served'(o: Observed): Verdict {
    const places = prmPlaces(o);
    return o.prm.doc ? met(...places.filter(answered).map(show)) : unmet(places.map(show));
  },
  'prm-discoverable'(o: Observed): Verdict {
    const places = prmPlaces(o);
    const found = places.filter(isJsonDocument);
    return found.length > 0 ? met(...found.map(show)) : unmet(places.map(show));
  },
  'prm-well-known-path'(o: Observed): Verdict {
    return isJsonDocument(o.prm.inserted) ? met(show(o.prm.inserted)) : unmet([show(o.prm.inserted)]);
  },
  'prm-response-json'(o: Observed): Verdict {
    const served = prmPlaces(o).filter(answered);
    if (served.length === 0) return notObservable(NO_PRM);
    const bad = served.filter((e) => !wellFormed(e));
    return bad.length === 0 ? met(...served.map((e) => evidenceOf(e, undefined, { body: false }))) : unmet(bad.map(show));
  },
  'prm-resource-present'(o: Observed): Verdict {
    if (!o.prm.doc) return notObservable(NO_PRM);
    const { resource } = o.prm.doc;
    const good = isUrl(resource) && !new URL(resource).hash && !resource.includes('#') && httpsOrLoopback(resource);
    return good ? met(noted(`resource: ${JSON.stringify(resource)}`)) : unmet([noted(`resource: ${JSON.stringify(resource)}`)]);
  },
  'prm-resource-well-known'(o: Observed): Verdict {
    const doc = o.prm.inserted;
    if (!isJsonDocument(doc)) return notObservable('no PRM at the path-inserted location (see rfc9728/well-known-location)', show(doc));
    const expected = `${o.url.origin}${endpointPath(o.url)}`;
    const evidence = [evidenceOf(doc, undefined, { body: false }), noted(`resource ${JSON.stringify(doc.json.resource)}, expected ${JSON.stringify(expected)}`)];
    return doc.json.resource === expected ? met(...evidence) : unmet(evidence, `Set PRM "resource" to "${expected}"`);
  },
  'prm-resource-header'(o: Observed): Verdict {
    const doc = o.prm.header;
    if (!doc || !isJsonDocument(doc)) return notObservable('the challenge names no PRM that answers (see the resource_metadata requirements)', ...(doc ? [show(doc)] : []));
    const evidence = [evidenceOf(doc, undefined, { body: false }), noted(`resource ${JSON.stringify(doc.json.resource)}, the request went to ${JSON.stringify(o.url.href)}`)];
    return doc.json.resource === o.url.href ? met(...evidence) : unmet(evidence, `Set PRM "resource" to "${o.url.href}"`);
  },
  'prm-no-empty-values'(o: Observed): Verdict {
    const docs = prmPlaces(o).filter(isJsonDocument);
    if (docs.length === 0) return notObservable(NO_PRM);
    const empty = docs.flatMap((e) => Object.entries(e.json).filter(([, v]) => v === null || v === '' || (Array.isArray(v) && v.length === 0)).map(([k]) => `${e.url}: ${k}`));
    return empty.length === 0 ? met(...docs.map((e) => evidenceOf(e, undefined, { body: false }))) : unmet([noted(`empty: ${empty.join(', ')}`)]);
  },
  'prm-authorization-servers'(o: Observed): Verdict {
    if (!o.prm.doc) return notObservable(NO_PRM);
    const servers = o.prm.doc.authorization_servers;
    const evidence = noted(`authorization_servers: ${JSON.stringify(servers)}`);
    return Array.isArray(servers) && servers.length > 0 && servers.every(isUrl) ? met(evidence) : unmet([evidence]);
  },
  'prm-no-offline-access'(o: Observed): Verdict {
    if (!o.prm.doc) return notObservable(NO_PRM);
    const scopes = o.prm.doc.scopes_supported;
    const evidence = noted(`scopes_supported: ${JSON.stringify(scopes)}`);
    return Array.isArray(scopes) && scopes.includes('offline_access') ? unmet([evidence]) : met(evidence);
  },
  'as-discovery'(o: Observed): Verdict {
    if (!o.as) return notObservable(NO_AS);
    const found: Exchange[] = [];
    for (const e of [o.as.oauth, o.as.oidc]) if (e) found.push(e);
    return found.length > 0 ? met(...found.map((e) => evidenceOf(e, undefined, { body: false }))) : unmet(o.as.tried.map(show));
  },
  'as-rfc8414'(o: Observed): Verdict {
    if (!o.as) return notObservable(NO_AS);
    return o.as.oauth ? met(evidenceOf(o.as.oauth, undefined, { body: false })) : unmet(o.as.tried.filter((e) => !e.url.includes('openid-configuration')).map(show));
  },
  'as-response-json'(o: Observed): Verdict {
    if (!o.as) return notObservable(NO_AS);
    const served = o.as.tried.filter(answered);
    if (served.length === 0) return notObservable('no authorization-server metadata was found');
    const bad = served.filter((e) => !wellFormed(e));
    return bad.length === 0 ? met(...served.map((e) => evidenceOf(e, undefined, { body: false }))) : unmet(bad.map(show));
  },
  'as-issuer-identical'(o: Observed): Verdict {
    if (!o.as) return notObservable(NO_AS);
    const doc = o.as.oauth;
    if (!doc) return notObservable('no RFC 8414 metadata was found');
    const evidence = [evidenceOf(doc, undefined, { body: false }), noted(`issuer ${JSON.stringify(doc.json.issuer)}, the PRM names ${JSON.stringify(o.as.issuer)}`)];
    return doc.json.issuer === o.as.issuer ? met(...evidence) : unmet(evidence);
  },
  'oidc-issuer-identical'(o: Observed): Verdict {
    if (!o.as) return notObservable(NO_AS);
    const doc = o.as.oidc;
    if (!doc) return notObservable('no OpenID Connect discovery document was found');
    const evidence = [evidenceOf(doc, undefined, { body: false }), noted(`issuer ${JSON.stringify(doc.json.issuer)}, the PRM names ${JSON.stringify(o.as.issuer)}`)];
    return doc.json.issuer === o.as.issuer ? met(...evidence) : unmet(evidence);
  },
  'as-issuer-form': field('issuer', (v) => isUrl(v) && !v.includes('?') && !v.includes('#') && httpsOrLoopback(v)),
  'as-authorization-endpoint': field('authorization_endpoint', isUrl),
  'as-token-endpoint': field('token_endpoint', isUrl),
  'as-response-types': field('response_types_supported', (v) => Array.isArray(v) && v.includes('code')),
  'oidc-pkce-advertised'(o: Observed): Verdict {
    const doc = o.as?.oidc;
    if (!doc) return notObservable(o.as ? 'the authorization server provides no OpenID Connect discovery' : NO_AS);
    const methods = doc.json.code_challenge_methods_supported;
    const evidence = [evidenceOf(doc, undefined, { body: false }), noted(`code_challenge_methods_supported: ${JSON.stringify(methods)}`)];
    return Array.isArray(methods) && methods.length > 0 ? met(...evidence) : unmet(evidence);
  },
  'as-pkce-advertised'(o: Observed): Verdict {
    const doc = o.as?.oauth;
    if (!doc) return notObservable(o.as ? 'the authorization server provides no RFC 8414 metadata (oidc-pkce-advertised judges the OpenID document)' : NO_AS);
    const methods = doc.json.code_challenge_methods_supported;
    const evidence = [evidenceOf(doc, undefined, { body: false }), noted(`code_challenge_methods_supported: ${JSON.stringify(methods)}`)];
    return Array.isArray(methods) && methods.length > 0 ? met(...evidence) : unmet(evidence);
  },
  'as-pkce-s256': field('code_challenge_methods_supported', (v) => Array.isArray(v) && v.includes('S256')),
  'as-https'(o: Observed): Verdict {
    return withAs(o, (_as, doc) => {
      const endpoints = ['issuer', 'authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'jwks_uri'].map((k) => doc.json[k]).filter(isUrl);
      const evidence = noted(`endpoints: ${endpoints.join(', ')}`);
      if (endpoints.every((u) => isLenientLoopbackHost(new URL(u).hostname))) return notObservable('the authorization server runs on loopback, a development instance: https is judged on a deployment', evidence);
      return endpoints.every((u) => new URL(u).protocol === 'https:') ? met(evidence) : unmet([evidence]);
    });
  },
  'as-iss-parameter': field('authorization_response_iss_parameter_supported', (v) => v === true),
  'as-cimd': field('client_id_metadata_document_supported', (v) => v === true),
  'as-dcr': field('registration_endpoint', isUrl),
} satisfies Record<string, (o: Observed) => Verdict>;
