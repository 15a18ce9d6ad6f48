import { errors, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { isLoopbackRedirectHost } from '../../http/loopback.js';
import { checkRedirectUri } from '../../registration/redirect-uri.js';
import { dcrPolicy, redirectHostAllowed } from './dcr-policy.js';
import { refuseUserlessGrants } from './machine-clients.js';

/**
 * Gatehouse's rules for every client oidc-provider builds, whether it comes
 * from DCR, a Client ID Metadata Document, the config or the store:
 *
 * - redirect URIs follow `checkRedirectUri` (https; http on loopback only;
 *   configured custom schemes; no fragments, no `javascript:`/`data:`);
 * - a client that does not say `application_type` is `native` when it has a
 *   loopback or custom-scheme redirect URI, else `web` — most MCP clients
 *   send none, and oidc-provider's `web` refuses custom schemes;
 * - the `scope` a dynamic client registers is advisory: the MCP SDK registers
 *   with the first challenge's scope and steps up later, which a registered
 *   scope would forbid;
 * - under the `allowlist` DCR policy, a registration's https redirect hosts
 *   must be allowed;
 * - a registration or metadata document asking for a grant without a user
 *   (client credentials) is refused: those are for configured clients only.
 *
 * oidc-provider runs `extraClientMetadata.validator` on the metadata before
 * its own checks and lets it rewrite that metadata: the one hook that sees
 * every client. It only knows that `application_type` was left out when the
 * default is `null` (its own default is `web`), hence `clientDefaults`.
 */

/** The extra metadata property whose validator applies the rules; never kept on a client. */
export const RULES_PROPERTY = 'gatehouse_registration_rules';

/** Routes whose requests register or change a client through DCR. */
const DCR_ROUTES = new Set(['registration', 'client_update']);

/**
 * `native` when a redirect URI is loopback `http:` or a custom scheme
 * (RFC 8252: only native apps receive those), else `web`.
 *
 * @example
 * ```ts
 * inferApplicationType(['cursor://anysphere.cursor-mcp/oauth/callback']); // 'native'
 * inferApplicationType(['https://claude.ai/api/mcp/auth_callback']); // 'web'
 * ```
 */
export function inferApplicationType(redirectUris: readonly string[]): 'web' | 'native' {
  const native = redirectUris.some(function isNativeRedirect(uri) {
    const url = URL.parse(uri);
    if (!url) return false;
    if (url.protocol === 'http:') return isLoopbackRedirectHost(url.hostname);
    return url.protocol !== 'https:';
  });
  return native ? 'native' : 'web';
}

function refuse(label: string, uri: unknown, reason: string): never {
  const shown = typeof uri === 'string' ? JSON.stringify(uri.length > 200 ? `${uri.slice(0, 200)}...` : uri) : String(uri);
  // A description starting with "redirect_uris" makes oidc-provider answer `invalid_redirect_uri` (RFC 7591 §3.2.2).
  throw new errors.InvalidClientMetadata(`${label}: ${shown} is not allowed: ${reason}`);
}

function uriList(metadata: ClientMetadata, label: 'redirect_uris' | 'post_logout_redirect_uris'): string[] {
  const value: unknown = metadata[label];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new errors.InvalidClientMetadata(`${label} must be an array of URIs`);
  return value as string[];
}

/**
 * The `extraClientMetadata` part of the configuration that applies the rules above.
 *
 * @example
 * ```ts
 * new Provider(issuer, { ...clientMetadataRules(config), clientDefaults: { application_type: null } });
 * ```
 */
export function clientMetadataRules(config: GatehouseConfig): Pick<Configuration, 'extraClientMetadata'> {
  const policy = dcrPolicy(config);
  const { allowedRedirectHosts } = config.authority.registration;
  const configuredIds = new Set(config.authority.clients.map((client) => client.client_id));
  const options = { customSchemes: config.registration.customSchemes };

  function applyGatehouseRules(ctx: KoaContextWithOIDC | undefined, key: string, _value: unknown, metadata: ClientMetadata): void {
    delete metadata[key];
    const dcr = ctx !== undefined && DCR_ROUTES.has(ctx.oidc?.route ?? '');

    for (const label of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
      for (const uri of uriList(metadata, label)) {
        if (typeof uri !== 'string') refuse(label, uri, 'it is not a string');
        const check = checkRedirectUri(uri, options);
        if (!check.ok) refuse(label, uri, check.reason);
        if (dcr && policy === 'allowlist' && !redirectHostAllowed(uri, allowedRedirectHosts)) {
          refuse(label, uri, 'its host is not in the registration allow-list of this server (authority.registration.allowedRedirectHosts)');
        }
      }
    }

    // `null` is the default Gatehouse gives: the client did not say.
    if (metadata.application_type === null || metadata.application_type === undefined) {
      metadata.application_type = inferApplicationType(uriList(metadata, 'redirect_uris'));
    }

    const configured = typeof metadata.client_id === 'string' && configuredIds.has(metadata.client_id);
    // A metadata document's client id is its https URL; stored (DCR) clients have generated ids.
    const fromDocument = typeof metadata.client_id === 'string' && metadata.client_id.startsWith('https://');
    refuseUserlessGrants(metadata, { configured, introducing: dcr || fromDocument });

    // Only clients from the config keep a scope that limits what they may ask for.
    if (!configured) delete metadata.scope;
  }

  return { extraClientMetadata: { properties: [RULES_PROPERTY], validator: applyGatehouseRules } };
}
