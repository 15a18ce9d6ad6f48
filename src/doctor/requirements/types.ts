/**
 * The shape of the conformance catalogue: every requirement of the MCP
 * authorization specification and the RFCs it relies on, as data. `--json`
 * and docs/conformance.md print these fields, so they are a contract: add
 * fields, never rename or remove them, and never change a requirement's id.
 */

/** Where a requirement comes from: an MCP revision, an RFC, or the Fetch standard (CORS). */
export type SourceId =
  | 'mcp-2025-06-18'
  | 'mcp-2025-11-25'
  | 'mcp-2026-07-28'
  | 'rfc6749'
  | 'rfc6750'
  | 'rfc7636'
  | 'rfc8252'
  | 'rfc8414'
  | 'rfc8707'
  | 'rfc9207'
  | 'rfc9728'
  | 'oidc-discovery'
  | 'fetch';

/** The MCP revisions `--spec` selects; the RFCs apply under each. */
export type SpecRevision = '2025-06-18' | '2025-11-25' | '2026-07-28';

/** BCP 14 level. `MUST NOT` counts as MUST, `SHOULD NOT` and RECOMMENDED as SHOULD, REQUIRED as MUST. */
export type Level = 'MUST' | 'SHOULD';

/** Every check the conformance runner knows; each observable requirement names one. */
export type CheckId =
  // the 401 challenge and tokens the server must refuse
  | 'challenge-www-authenticate'
  | 'challenge-resource-metadata'
  | 'challenge-no-error-without-token'
  | 'challenge-attributes-once'
  | 'challenge-attribute-charset'
  | 'challenge-scope'
  | 'challenge-no-offline-access'
  | 'invalid-token-401'
  | 'invalid-token-error-code'
  | 'unsigned-token-401'
  | 'query-token-refused'
  | 'two-authorization-headers-400'
  // protected-resource metadata
  | 'prm-served'
  | 'prm-discoverable'
  | 'prm-well-known-path'
  | 'prm-response-json'
  | 'prm-resource-present'
  | 'prm-resource-well-known'
  | 'prm-resource-header'
  | 'prm-no-empty-values'
  | 'prm-authorization-servers'
  | 'prm-no-offline-access'
  // authorization-server metadata
  | 'as-discovery'
  | 'as-rfc8414'
  | 'as-response-json'
  | 'as-issuer-identical'
  | 'as-issuer-form'
  | 'as-authorization-endpoint'
  | 'as-token-endpoint'
  | 'as-response-types'
  | 'oidc-issuer-identical'
  | 'oidc-pkce-advertised'
  | 'as-pkce-advertised'
  | 'as-pkce-s256'
  | 'as-https'
  | 'as-iss-parameter'
  | 'as-cimd'
  | 'as-dcr'
  // with --register: registration and the authorization endpoint
  | 'register-refuses-http'
  | 'register-refuses-fragment'
  | 'authorize-exact-redirect'
  | 'authorize-loopback-any-port'
  | 'authorize-pkce-required'
  | 'authorize-iss-in-error'
  | 'authorize-iss-advertised'
  // 2026-07-28 transport, with --token, on a server that speaks it
  | 'modern-discover'
  | 'modern-server-info'
  | 'modern-method-mismatch'
  | 'modern-name-mismatch'
  | 'modern-version-mismatch'
  | 'modern-missing-method'
  | 'modern-missing-name'
  | 'modern-base64-name'
  | 'modern-unsupported-version'
  | 'modern-unknown-method'
  // CORS for browser clients
  | 'cors-mcp-preflight'
  | 'cors-mcp-challenge'
  | 'cors-discovery-documents'
  | 'cors-token-endpoint'
  | 'cors-registration-endpoint';

/** How a requirement is judged: by a check, or not at all, with the reason. */
export type Observation = { check: CheckId } | { unobservable: string };

/**
 * One requirement, quoted from its source.
 *
 * @example
 * ```ts
 * const r: Requirement = {
 *   id: 'rfc9728/resource-identical', source: 'rfc9728', level: 'MUST',
 *   sentence: 'The `resource` value returned MUST be identical to ...',
 *   link: 'https://www.rfc-editor.org/rfc/rfc9728#section-3.3',
 *   observe: { check: 'prm-resource-well-known' },
 *   fix: 'Set PRM "resource" to the MCP endpoint URL, character for character',
 * };
 * ```
 */
export interface Requirement {
  /** `<source>/<slug>`, stable forever. */
  id: string;
  source: SourceId;
  level: Level;
  /** The sentence it comes from, quoted (ellipses mark cuts). */
  sentence: string;
  /** Where the sentence is, as precisely as the source allows. */
  link: string;
  observe: Observation;
  /** The usual one-line fix, when a check can fail. */
  fix?: string;
  /** How the doctor reads the sentence, when it is not obvious. */
  note?: string;
}

/** A source of requirements, for headings and links. */
export interface Source {
  id: SourceId;
  title: string;
  url: string;
}
