import type { Requirement } from './types.js';

/**
 * What a browser-based client (MCP Inspector, web apps) needs: the MCP
 * specification says nothing of CORS, so these come from the Fetch
 * standard, the rules the browser applies. A response the page may not
 * read is, to the client, a network error. SHOULD, because a server that
 * no browser client uses need not care.
 */

const FETCH = 'https://fetch.spec.whatwg.org/#http-cors-protocol';
const NOTE = 'Not a requirement of the MCP specification: the Fetch standard\'s rule as it binds an MCP server with browser clients, judged from the browser origin given with --origin.';

export const CORS_REQUIREMENTS: readonly Requirement[] = [
  {
    id: 'fetch/mcp-preflight', source: 'fetch', level: 'SHOULD', observe: { check: 'cors-mcp-preflight' },
    sentence: 'A CORS-preflight request is a CORS request that checks to see if the CORS protocol is understood.',
    link: `${FETCH}`, note: `${NOTE} The MCP endpoint's preflight must allow the page's origin and the headers MCP clients send (Authorization, Content-Type, MCP-Protocol-Version).`,
    fix: 'Answer OPTIONS on the MCP endpoint with 204, Access-Control-Allow-Origin and Allow-Headers: Authorization, Content-Type, MCP-Protocol-Version, Mcp-Method, Mcp-Name',
  },
  {
    id: 'fetch/expose-www-authenticate', source: 'fetch', level: 'SHOULD', observe: { check: 'cors-mcp-challenge' },
    sentence: '`Access-Control-Expose-Headers` ... Indicates which headers can be exposed as part of the response by listing their names.',
    link: 'https://fetch.spec.whatwg.org/#http-access-control-expose-headers', note: `${NOTE} Without it the page cannot read the challenge.`,
    fix: 'Add Access-Control-Allow-Origin and Access-Control-Expose-Headers: WWW-Authenticate to the 401',
  },
  {
    id: 'fetch/discovery-documents', source: 'fetch', level: 'SHOULD', observe: { check: 'cors-discovery-documents' },
    sentence: '`Access-Control-Allow-Origin` ... Indicates whether the response can be shared, via returning the literal value of the `Origin` request header (which can be `null`) or `*` in a response.',
    link: 'https://fetch.spec.whatwg.org/#http-access-control-allow-origin', note: `${NOTE} Checked on the PRM and authorization-server metadata.`,
    fix: 'Add Access-Control-Allow-Origin: * to every discovery document',
  },
  {
    id: 'fetch/token-endpoint', source: 'fetch', level: 'SHOULD', observe: { check: 'cors-token-endpoint' },
    sentence: '`Access-Control-Allow-Origin` ... Indicates whether the response can be shared, via returning the literal value of the `Origin` request header (which can be `null`) or `*` in a response.',
    link: 'https://fetch.spec.whatwg.org/#http-access-control-allow-origin', note: `${NOTE} Checked on the token endpoint's answer to a form POST.`,
    fix: 'Answer CORS on the token endpoint (Access-Control-Allow-Origin on its responses)',
  },
  {
    id: 'fetch/registration-endpoint', source: 'fetch', level: 'SHOULD', observe: { check: 'cors-registration-endpoint' },
    sentence: 'A CORS-preflight request is a CORS request that checks to see if the CORS protocol is understood.',
    link: FETCH, note: `${NOTE} Checked on the registration endpoint's preflight for a JSON POST.`,
    fix: 'Answer OPTIONS on the registration endpoint allowing Content-Type, and Access-Control-Allow-Origin on its responses',
  },
];
