import type { Requirement } from './types.js';

/**
 * The requirements of the RFCs (and OpenID Connect Discovery) that the MCP
 * authorization specification builds on, as they bind a resource server or
 * an authorization server. Sentences quoted from the RFC text; links point
 * at the section.
 */

const RFC = (n: number, section: string) => `https://www.rfc-editor.org/rfc/rfc${n}#section-${section}`;
const NEEDS_SIGN_IN = 'needs a signed-in user and a token request; the doctor signs nobody in';

export const RFC_REQUIREMENTS: readonly Requirement[] = [
  // RFC 6750: bearer tokens and their challenges.
  {
    id: 'rfc6750/www-authenticate', source: 'rfc6750', level: 'MUST', observe: { check: 'challenge-www-authenticate' },
    sentence: 'If the protected resource request does not include authentication credentials or does not contain an access token that enables access to the protected resource, the resource server MUST include the HTTP "WWW-Authenticate" response header field',
    link: RFC(6750, '3'),
    note: 'Checked on every refusal the doctor provokes: no token, malformed tokens, an unsigned token.',
    fix: 'Send WWW-Authenticate: Bearer ... with every 401',
  },
  {
    id: 'rfc6750/no-error-without-credentials', source: 'rfc6750', level: 'SHOULD', observe: { check: 'challenge-no-error-without-token' },
    sentence: 'If the request lacks any authentication information (e.g., the client was unaware that authentication is necessary or attempted using an unsupported authentication method), the resource server SHOULD NOT include an error code or other error information.',
    link: RFC(6750, '3.1'),
    fix: 'Leave error= out of the challenge to a request that sent no token',
  },
  {
    id: 'rfc6750/error-on-failed-token', source: 'rfc6750', level: 'SHOULD', observe: { check: 'invalid-token-error-code' },
    sentence: 'If the protected resource request included an access token and failed authentication, the resource server SHOULD include the "error" attribute to provide the client with the reason why the access request was declined.',
    link: RFC(6750, '3'),
    fix: 'Add error="invalid_token" to the challenge when a token fails verification',
  },
  {
    id: 'rfc6750/attributes-once', source: 'rfc6750', level: 'MUST', observe: { check: 'challenge-attributes-once' },
    sentence: 'The "scope" attribute MUST NOT appear more than once.',
    link: RFC(6750, '3'),
    note: 'The same section says so of realm, error, error_description and error_uri; all are checked.',
    fix: 'Send each challenge attribute once (join scopes with spaces in one scope="...")',
  },
  {
    id: 'rfc6750/attribute-characters', source: 'rfc6750', level: 'MUST', observe: { check: 'challenge-attribute-charset' },
    sentence: 'Values for the "error" and "error_description" attributes MUST NOT include characters outside the set %x20-21 / %x23-5B / %x5D-7E.',
    link: RFC(6750, '3'),
    note: 'Scope values are checked too (%x21 / %x23-5B / %x5D-7E, space-separated), as the same section asks.',
    fix: 'Keep challenge attribute values to printable ASCII without " and \\',
  },
  {
    id: 'rfc6750/invalid-request-400', source: 'rfc6750', level: 'SHOULD', observe: { check: 'two-authorization-headers-400' },
    sentence: 'invalid_request: The request is missing a required parameter, includes an unsupported parameter or parameter value, repeats the same parameter, uses more than one method for including an access token, or is otherwise malformed. The resource server SHOULD respond with the HTTP 400 (Bad Request) status code.',
    link: RFC(6750, '3.1'),
    note: 'Checked with two Authorization header lines in one request.',
    fix: 'Refuse a request with more than one Authorization header with 400 invalid_request (read raw headers: Node keeps only the first)',
  },
  // RFC 9728: protected-resource metadata.
  {
    id: 'rfc9728/well-known-location', source: 'rfc9728', level: 'MUST', observe: { check: 'prm-well-known-path' },
    sentence: 'Protected resources supporting metadata MUST make a JSON document containing metadata as specified in Section 2 available at a URL formed by inserting a well-known URI string into the protected resource\'s resource identifier between the host component and the path and/or query components, if any.',
    link: RFC(9728, '3'),
    fix: 'Serve the PRM at /.well-known/oauth-protected-resource<path of the MCP endpoint>',
  },
  {
    id: 'rfc9728/response-json', source: 'rfc9728', level: 'MUST', observe: { check: 'prm-response-json' },
    sentence: 'A successful response MUST use the 200 OK HTTP status code and return a JSON object using the `application/json` content type that contains a set of metadata parameters as its members that are a subset of the metadata parameters defined in Section 2.',
    link: RFC(9728, '3.2'),
    fix: 'Answer PRM requests with 200, Content-Type: application/json and a JSON object',
  },
  {
    id: 'rfc9728/no-empty-values', source: 'rfc9728', level: 'MUST', observe: { check: 'prm-no-empty-values' },
    sentence: 'Parameters with zero values MUST be omitted from the response.',
    link: RFC(9728, '3.2'),
    fix: 'Leave out PRM parameters that would be empty arrays, empty strings or null',
  },
  {
    id: 'rfc9728/resource-present', source: 'rfc9728', level: 'MUST', observe: { check: 'prm-resource-present' },
    sentence: 'resource: REQUIRED. The protected resource\'s resource identifier, as defined in Section 1.2.',
    link: RFC(9728, '2'),
    note: 'Section 1.2: a URL that uses the https scheme and has no fragment component; http is judged only off loopback.',
    fix: 'Set "resource" in the PRM to the MCP endpoint URL (https, no fragment)',
  },
  {
    id: 'rfc9728/resource-identical', source: 'rfc9728', level: 'MUST', observe: { check: 'prm-resource-well-known' },
    sentence: 'The `resource` value returned MUST be identical to the protected resource\'s resource identifier value into which the well-known URI path suffix was inserted to create the URL used to retrieve the metadata.',
    link: RFC(9728, '3.3'),
    note: 'Checked on the path-inserted document. The root document, which MCP allows for an endpoint with a path, would describe the origin under this rule; it is not judged by it.',
    fix: 'Set PRM "resource" to the MCP endpoint URL, character for character (no trailing slash)',
  },
  {
    id: 'rfc9728/resource-identical-to-request', source: 'rfc9728', level: 'MUST', observe: { check: 'prm-resource-header' },
    sentence: 'If the protected resource metadata was retrieved from a URL returned by the protected resource via the `WWW-Authenticate` `resource_metadata` parameter, then the `resource` value returned MUST be identical to the URL that the client used to make the request to the resource server.',
    link: RFC(9728, '3.3'),
    fix: 'Make "resource" in the PRM that resource_metadata names equal the MCP endpoint URL clients call',
  },
  // RFC 8414: authorization-server metadata.
  {
    id: 'rfc8414/response-json', source: 'rfc8414', level: 'MUST', observe: { check: 'as-response-json' },
    sentence: 'A successful response MUST use the 200 OK HTTP status code and return a JSON object using the "application/json" content type that contains a set of metadata values as its members that are a subset of the metadata values defined in Section 2.',
    link: RFC(8414, '3.2'),
    fix: 'Answer metadata requests with 200, Content-Type: application/json and a JSON object',
  },
  {
    id: 'rfc8414/issuer-identical', source: 'rfc8414', level: 'MUST', observe: { check: 'as-issuer-identical' },
    sentence: 'The "issuer" value returned MUST be identical to the authorization server\'s issuer identifier value into which the well-known URI string was inserted to create the URL used to retrieve the metadata.',
    link: RFC(8414, '3.3'),
    fix: 'Make the metadata "issuer" equal the PRM authorization_servers entry, character for character (Gatehouse: OAUTH_MIRROR_METADATA=true)',
  },
  {
    id: 'rfc8414/issuer-form', source: 'rfc8414', level: 'MUST', observe: { check: 'as-issuer-form' },
    sentence: 'issuer: REQUIRED. The authorization server\'s issuer identifier, which is a URL that uses the "https" scheme and has no query or fragment components.',
    link: RFC(8414, '2'),
    note: 'http is judged only off loopback.',
    fix: 'Use an https issuer URL without query or fragment',
  },
  {
    id: 'rfc8414/authorization-endpoint', source: 'rfc8414', level: 'MUST', observe: { check: 'as-authorization-endpoint' },
    sentence: 'authorization_endpoint: URL of the authorization server\'s authorization endpoint. This is REQUIRED unless no grant types are supported that use the authorization endpoint.',
    link: RFC(8414, '2'),
    fix: 'Add authorization_endpoint to the AS metadata',
  },
  {
    id: 'rfc8414/token-endpoint', source: 'rfc8414', level: 'MUST', observe: { check: 'as-token-endpoint' },
    sentence: 'token_endpoint: URL of the authorization server\'s token endpoint. This is REQUIRED unless only the implicit grant type is supported.',
    link: RFC(8414, '2'),
    fix: 'Add token_endpoint to the AS metadata',
  },
  {
    id: 'rfc8414/response-types', source: 'rfc8414', level: 'MUST', observe: { check: 'as-response-types' },
    sentence: 'response_types_supported: REQUIRED. JSON array containing a list of the OAuth 2.0 "response_type" values that this authorization server supports.',
    link: RFC(8414, '2'),
    note: 'MCP needs "code" in it; its absence fails too.',
    fix: 'Add response_types_supported: ["code"] to the AS metadata',
  },
  {
    id: 'oidc-discovery/issuer-identical', source: 'oidc-discovery', level: 'MUST', observe: { check: 'oidc-issuer-identical' },
    sentence: 'The issuer value returned MUST be identical to the Issuer URL that was used as the prefix to /.well-known/openid-configuration to retrieve the configuration information.',
    link: 'https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation',
    fix: 'Make "issuer" in /.well-known/openid-configuration equal the issuer URL, character for character',
  },
  // RFC 7636: PKCE.
  {
    id: 'rfc7636/s256', source: 'rfc7636', level: 'MUST', observe: { check: 'as-pkce-s256' },
    sentence: 'If the client is capable of using "S256", it MUST use "S256", as "S256" is Mandatory To Implement (MTI) on the server.',
    link: RFC(7636, '4.2'),
    fix: 'Support PKCE S256 and list it in code_challenge_methods_supported',
  },
  {
    id: 'rfc7636/missing-challenge', source: 'rfc7636', level: 'MUST', observe: { check: 'authorize-pkce-required' },
    sentence: 'If the server requires Proof Key for Code Exchange (PKCE) by OAuth public clients and the client does not send the "code_challenge" in the request, the authorization endpoint MUST return the authorization error response with the "error" value set to "invalid_request".',
    link: RFC(7636, '4.4.1'),
    note: 'With --register. OAuth 2.1, which MCP requires authorization servers to implement, makes PKCE mandatory, so the condition holds. An error page instead of the redirect also passes: MCP says an authorization server SHOULD only redirect automatically to a redirect URI it trusts, and a dynamically registered one need not be.',
    fix: 'Require code_challenge from public clients and answer its absence with error=invalid_request on the redirect',
  },
  {
    id: 'rfc7636/verifier', source: 'rfc7636', level: 'MUST', observe: { unobservable: NEEDS_SIGN_IN },
    sentence: 'If the values are not equal, an error response indicating "invalid_grant" as described in Section 5.2 of [RFC6749] MUST be returned.',
    link: RFC(7636, '4.6'),
  },
  // RFC 8252: native apps.
  {
    id: 'rfc8252/loopback-any-port', source: 'rfc8252', level: 'MUST', observe: { check: 'authorize-loopback-any-port' },
    sentence: 'The authorization server MUST allow any port to be specified at the time of the request for loopback IP redirect URIs, to accommodate clients that obtain an available ephemeral port from the operating system at the time of the request.',
    link: RFC(8252, '7.3'),
    note: 'With --register: a client registered with http://127.0.0.1/callback asks with another port.',
    fix: 'Match loopback redirect URIs ignoring the port (scheme, host and path still exact)',
  },
  // RFC 6749: redirect URIs.
  {
    id: 'rfc6749/redirect-no-fragment', source: 'rfc6749', level: 'MUST', observe: { check: 'register-refuses-fragment' },
    sentence: 'The endpoint URI MUST NOT include a fragment component.',
    link: RFC(6749, '3.1.2'),
    note: 'With --register: a registration with a redirect URI that has a fragment must be refused.',
    fix: 'Refuse redirect URIs with a fragment at registration (400 invalid_redirect_uri)',
  },
  // RFC 8707: resource indicators.
  {
    id: 'rfc8707/audience-restricted', source: 'rfc8707', level: 'SHOULD', observe: { unobservable: NEEDS_SIGN_IN },
    sentence: 'the authorization server SHOULD audience-restrict issued access tokens to the resource(s) indicated',
    link: RFC(8707, '2'),
  },
  // RFC 9207: iss in authorization responses.
  {
    id: 'rfc9207/iss-in-responses', source: 'rfc9207', level: 'MUST', observe: { check: 'authorize-iss-in-error' },
    sentence: 'In authorization responses to the client, including error responses, an authorization server supporting this specification MUST indicate its identity by including the `iss` parameter in the response.',
    link: RFC(9207, '2'),
    note: 'With --register, on the error response to a request without PKCE; applies when the metadata claims support.',
    fix: 'Add iss=<issuer> to every authorization response, error redirects included',
  },
];
