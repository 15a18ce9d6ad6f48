import type Provider from 'oidc-provider';
import { errors, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { authorityRoutes } from '../provider/routes.js';

/**
 * Grants without a user: a token from one acts for nobody but the client, so
 * whoever holds the client's credentials holds the token. Only clients the
 * operator configured (`authority.clients`, `GATEHOUSE_CLIENTS`) with the
 * grant in their `grant_types` may use one, and only for the scopes
 * configured for them. A client that registers itself (DCR) or describes
 * itself (a Client ID Metadata Document) never may: anyone can create one.
 *
 * Enforced three times, so that no single hook is load-bearing:
 * - when a client comes to exist (DCR, CIMD): `invalid_client_metadata`;
 * - at the token endpoint, whatever the stored client says (one registered
 *   before this rule, a store edited by hand): `unauthorized_client`;
 * - when an access token without a user is formatted: it is refused unless
 *   its client is a configured machine client, and it carries no `sub`.
 *
 * Token exchange is not among these grants: it always acts for the user of
 * its subject token (the subject-token check refuses a token without one).
 */

/**
 * Grants only operator-configured clients may use: `client_credentials`
 * (no user at all) and `jwt-bearer` (ID-JAGs, see authority/id-jag/: the
 * user is vouched for by an enterprise IdP, not by signing in here, so
 * whoever holds the client's credentials and an ID-JAG gets a token).
 */
export const USERLESS_GRANTS: ReadonlySet<string> = new Set(['client_credentials', 'urn:ietf:params:oauth:grant-type:jwt-bearer']);

/** A configured client allowed at least one userless grant. */
export interface MachineClient {
  grants: ReadonlySet<string>;
  /** What its tokens may carry (the configured `scope`). */
  scopes: readonly string[];
}

/**
 * The configured clients that may use userless grants, by `client_id`.
 *
 * @example
 * ```ts
 * machineClients(config).get('robot'); // { grants: Set { 'client_credentials' }, scopes: ['mcp:tools'] }
 * ```
 */
export function machineClients(config: GatehouseConfig): Map<string, MachineClient> {
  const out = new Map<string, MachineClient>();
  for (const client of config.authority.clients) {
    const grants = new Set((client.grant_types ?? []).filter((grant) => USERLESS_GRANTS.has(grant)));
    if (grants.size === 0) continue;
    out.set(client.client_id, { grants, scopes: (client.scope ?? '').split(' ').filter(Boolean) });
  }
  return out;
}

/**
 * Configured machine clients that cannot work: one with no `scope` would get
 * tokens carrying nothing, or (worse, in an older release) everything.
 *
 * @example
 * ```ts
 * machineClientProblems(config); // ['authority.clients: client "robot" has grant client_credentials but no scope: ...']
 * ```
 */
export function machineClientProblems(config: GatehouseConfig): string[] {
  const problems: string[] = [];
  for (const [id, client] of machineClients(config)) {
    if (client.scopes.length > 0) continue;
    problems.push(
      `authority.clients: client "${id}" has grant ${[...client.grants].join(', ')} but no scope: ` +
        'set its "scope" to the scopes its tokens may carry (e.g. "scope": "mcp:tools"); a machine client gets nothing it is not configured for',
    );
  }
  return problems;
}

/**
 * For the client metadata rules: refuses a client that is not configured and
 * asks for a userless grant, when it is registering (DCR) or comes from a
 * metadata document (an `https:` client id). A client loaded from the store
 * is left alone here: the token endpoint refuses it (see {@link installMachineGrantCheck}),
 * and its user flows keep working.
 *
 * @example
 * ```ts
 * refuseUserlessGrants(metadata, { configured: false, introducing: true }); // throws InvalidClientMetadata
 * ```
 */
export function refuseUserlessGrants(metadata: ClientMetadata, client: { configured: boolean; introducing: boolean }): void {
  if (client.configured || !client.introducing) return;
  const asked = Array.isArray(metadata.grant_types) ? metadata.grant_types.filter((grant) => typeof grant === 'string' && USERLESS_GRANTS.has(grant)) : [];
  if (asked.length === 0) return;
  throw new errors.InvalidClientMetadata(
    `grant_types: ${asked.join(', ')} is not allowed: only clients the operator configured (authority.clients, GATEHOUSE_CLIENTS) ` +
      'may get tokens without a user; a registered or metadata-document client signs users in with authorization_code (and refresh_token)',
  );
}

/** oidc-provider's words when a client's grant types lack the grant it asked for. */
const GRANT_NOT_ALLOWED = 'requested grant type is not allowed for this client';

/**
 * The token endpoint's check: `grantTypeAllowed` answers false for a
 * userless grant unless the client is a configured machine client with that
 * grant, whatever its stored `grant_types` say, and the refusal is
 * `unauthorized_client` (RFC 6749 §5.2) with a reason. Call before the
 * provider's `callback()` is taken.
 *
 * @example
 * ```ts
 * installMachineGrantCheck(provider, config);
 * ```
 */
export function installMachineGrantCheck(provider: Provider, config: GatehouseConfig): void {
  const machines = machineClients(config);
  const prototype = provider.Client.prototype;
  const allowed = prototype.grantTypeAllowed;
  prototype.grantTypeAllowed = function grantTypeAllowed(type: string): boolean {
    if (USERLESS_GRANTS.has(type) && !machines.get(this.clientId)?.grants.has(type)) return false;
    return allowed.call(this, type);
  };

  const tokenPath = authorityRoutes(config.authority.routePrefix).token;
  provider.use(async function unauthorizedMachineClient(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    await next();
    const grantType = ctx.oidc?.params?.grant_type;
    if (ctx.path !== tokenPath || ctx.status !== 400 || typeof grantType !== 'string' || !USERLESS_GRANTS.has(grantType)) return;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    if (body?.error === 'invalid_request' && body.error_description === GRANT_NOT_ALLOWED) {
      ctx.body = {
        error: 'unauthorized_client',
        error_description: `this client may not use ${grantType}: only clients the operator configured with that grant (authority.clients) get tokens without a user`,
      };
    }
  });
}

/**
 * The scopes a client-credentials token for the MCP resource may carry, for
 * `getResourceServerInfo`: the client's configured scopes that the resource
 * knows. Asking for more is `invalid_scope` (RFC 6749 §5.2: it exceeds what
 * the client was given); asking for none gets all of them (§3.3's
 * pre-defined default). Not a machine client: `unauthorized_client`.
 *
 * @example
 * ```ts
 * machineTokenScopes(ctx, machines, ['mcp:tools', 'mcp:admin']); // ['mcp:tools']
 * ```
 */
export function machineTokenScopes(ctx: KoaContextWithOIDC, machines: ReadonlyMap<string, MachineClient>, resourceScopes: readonly string[]): string[] {
  const clientId = ctx.oidc.client?.clientId ?? '';
  const machine = machines.get(clientId);
  if (!machine?.grants.has('client_credentials')) {
    throw new errors.UnauthorizedClient('only clients the operator configured with client_credentials (authority.clients) get tokens without a user');
  }
  const known = new Set(resourceScopes);
  const allowed = machine.scopes.filter((scope) => known.has(scope));
  const params = ctx.oidc.params as { scope?: unknown };
  const asked = typeof params.scope === 'string' ? params.scope.split(' ').filter(Boolean) : [];
  const above = asked.filter((scope) => known.has(scope) && !allowed.includes(scope));
  if (above.length > 0) {
    throw new errors.InvalidScope(`scope ${above.join(' ')} is not configured for client "${clientId}" (it may get: ${allowed.join(' ') || 'nothing'})`, above.join(' '));
  }
  // The grant reads the requested scope after resolving the resource: no scope asked means the configured ones.
  if (asked.length === 0) params.scope = allowed.join(' ');
  return allowed;
}

/**
 * `formats.customizers.jwt`: the last check before an access token without
 * a user is signed, and its shape. Such a token (client credentials) is only
 * for a configured machine client, and it carries no `sub`: oidc-provider
 * would put the client id there (RFC 9068 §2.2), which an upstream that
 * keys on `sub` could not tell from a user of the same name. The client is
 * in `client_id`.
 *
 * @example
 * ```ts
 * new Provider(issuer, { formats: { customizers: { jwt: machineTokenCustomizer(config) } } });
 * ```
 */
export function machineTokenCustomizer(config: GatehouseConfig): NonNullable<NonNullable<NonNullable<Configuration['formats']>['customizers']>['jwt']> {
  const machines = machineClients(config);
  return function withoutUserSubject(_ctx, token, jwt) {
    if ((token as { accountId?: unknown }).accountId !== undefined) return;
    const clientId = (token as { clientId?: unknown }).clientId;
    if (typeof clientId !== 'string' || !machines.has(clientId)) {
      throw new errors.UnauthorizedClient('only clients the operator configured (authority.clients) get tokens without a user');
    }
    delete jwt.payload.sub;
  };
}
