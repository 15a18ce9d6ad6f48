import type { FindingId } from '../findings.js';
import { met, noted, notObservable, unmet } from './evidence.js';
import type { Observed } from './observe.js';
import type { Verdict } from './types.js';

/**
 * The CORS checks reuse the doctor's own (checks/cors.ts), which sends the
 * requests a browser would; each requirement is met when its finding is
 * absent.
 */

function absent(id: FindingId, what: string, applies: (o: Observed) => string | undefined = () => undefined) {
  return (o: Observed): Verdict => {
    if (!o.reachable) return notObservable('the server did not answer');
    const skip = applies(o);
    if (skip) return notObservable(skip);
    const found = o.cors.filter((f) => f.id === id);
    return found.length === 0 ? met(noted(`${what}: allowed`)) : unmet(found.map((f) => noted(f.message)), found[0]!.fix);
  };
}

const endpoint = (name: string) => (o: Observed) => {
  const doc = o.as?.oauth?.json ?? o.as?.oidc?.json;
  return typeof doc?.[name] === 'string' ? undefined : `the authorization server advertises no ${name}`;
};

export const CORS_CHECKS = {
  'cors-mcp-preflight': absent('cors-preflight', 'the MCP endpoint\'s preflight'),
  'cors-mcp-challenge': absent('cors-challenge', 'the 401 and its WWW-Authenticate'),
  'cors-discovery-documents': absent('cors-documents', 'the discovery documents'),
  'cors-token-endpoint': absent('cors-token', 'the token endpoint', endpoint('token_endpoint')),
  'cors-registration-endpoint': absent('cors-registration', 'the registration endpoint', endpoint('registration_endpoint')),
} satisfies Record<string, (o: Observed) => Verdict>;
