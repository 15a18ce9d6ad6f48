import type { GatehouseConfig } from '../config/schema.js';
import type { AuthorizationServerMetadata } from '../discovery/types.js';
import { publicOrigin } from '../gate/resource.js';

/** Where the DCR façade answers, on the public origin. */
export const REGISTRATION_PATH = '/register';

/**
 * The mirror of the upstream's authorization-server metadata, served on this
 * origin for identity providers that are not MCP-ready.
 *
 * - `issuer` is this origin, the value PRM lists in `authorization_servers`
 *   (see `authorizationServerFor`): clients reject metadata whose `issuer`
 *   is not the URL they started from.
 * - Endpoints stay the upstream's: users sign in there and tokens come from
 *   there, so the gate keeps verifying the upstream's own `iss`.
 * - `code_challenge_methods_supported: ["S256"]` when the upstream omits it
 *   (clients must refuse an AS without it), `response_types_supported:
 *   ["code"]` when missing (a required field).
 * - `registration_endpoint` is the DCR façade when a pre-registered client is
 *   configured and the upstream has no DCR; `none` is then added to
 *   `token_endpoint_auth_methods_supported`, since the façade hands out a
 *   public client.
 * - `authorization_response_iss_parameter_supported` is dropped: the upstream's
 *   RFC 9207 `iss` is its own issuer, not this origin, and advertising it
 *   would make clients require a match that cannot hold. (An upstream that
 *   sends `iss` anyway can still trip a strict client; broker mode is the
 *   cure for such providers.)
 *
 * @example
 * ```ts
 * const doc = mirrorAuthorizationServerMetadata(upstream.current!, request, config);
 * doc.issuer; // 'https://mcp.example.com'
 * ```
 */
export function mirrorAuthorizationServerMetadata(
  upstream: AuthorizationServerMetadata,
  request: Request,
  config: GatehouseConfig,
): AuthorizationServerMetadata {
  const origin = publicOrigin(request, config);
  const mirror: AuthorizationServerMetadata = { ...upstream, issuer: origin };
  delete mirror.authorization_response_iss_parameter_supported;

  if (!Array.isArray(mirror.code_challenge_methods_supported) || mirror.code_challenge_methods_supported.length === 0) {
    mirror.code_challenge_methods_supported = ['S256'];
  }
  if (!Array.isArray(mirror.response_types_supported) || mirror.response_types_supported.length === 0) {
    mirror.response_types_supported = ['code'];
  }

  if (config.registration.clientId && !upstream.registration_endpoint) {
    mirror.registration_endpoint = `${origin}${REGISTRATION_PATH}`;
    // RFC 8414 §2: an absent list means client_secret_basic only.
    const methods = Array.isArray(mirror.token_endpoint_auth_methods_supported) ? mirror.token_endpoint_auth_methods_supported : ['client_secret_basic'];
    if (!methods.includes('none')) mirror.token_endpoint_auth_methods_supported = [...methods, 'none'];
  }
  return mirror;
}
