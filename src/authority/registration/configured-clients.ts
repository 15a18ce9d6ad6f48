import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { machineClientProblems, machineClients } from './machine-clients.js';

/**
 * Clients known in advance (`authority.clients`): machine clients with a
 * secret for client credentials, or fixed public clients. They go through
 * the same metadata rules as registered ones, but keep their `scope` as a
 * limit. oidc-provider checks a static client only when it is first used;
 * {@link checkConfiguredClients} checks them all at startup instead.
 */

/**
 * The `clients` array for oidc-provider. A client with neither a secret nor
 * an authentication method is public (`none`), not one missing its secret.
 * Throws a `ConfigError` when a `client_id` is listed twice, or a client
 * with a grant without a user (client credentials) has no `scope`.
 *
 * @example
 * ```ts
 * configuredClients(resolveConfig({ publicUrl, authority: { clients: [{ client_id: 'cli', redirect_uris: ['http://127.0.0.1/cb'] }] } }));
 * // [{ client_id: 'cli', redirect_uris: [...], token_endpoint_auth_method: 'none' }]
 * ```
 */
export function configuredClients(config: GatehouseConfig): ClientMetadata[] {
  const problems = machineClientProblems(config);
  if (problems.length > 0) throw new ConfigError(`Invalid Gatehouse config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  const machines = machineClients(config);
  const seen = new Set<string>();
  return config.authority.clients.map(function toClientMetadata(client) {
    // oidc-provider would throw a bare "client_id must be unique" from its constructor.
    if (seen.has(client.client_id)) throw new ConfigError(`Invalid Gatehouse config:\n  - authority.clients: client "${client.client_id}" is listed twice`);
    seen.add(client.client_id);
    const metadata: ClientMetadata = { ...client } as ClientMetadata;
    // A machine client's scope names the MCP resource's scopes, which oidc-provider does not know as
    // client scopes (it would refuse the client); Gatehouse enforces it at the token endpoint instead.
    if (machines.has(client.client_id)) delete metadata.scope;
    if (metadata.client_secret === undefined && metadata.token_endpoint_auth_method === undefined) {
      metadata.token_endpoint_auth_method = 'none';
    }
    return metadata;
  });
}

/**
 * Builds every configured client once, so a wrong one stops the start with a
 * `ConfigError` that names it, instead of failing its first sign-in.
 *
 * @example
 * ```ts
 * await checkConfiguredClients(provider, config); // throws ConfigError: authority.clients: client "cli" ...
 * ```
 */
export async function checkConfiguredClients(provider: Provider, config: GatehouseConfig): Promise<void> {
  for (const { client_id: id } of config.authority.clients) {
    try {
      const client = await provider.Client.find(id);
      if (!client) throw new Error('oidc-provider does not know it (is `clients` part of the provider configuration?)');
    } catch (error) {
      throw new ConfigError(`Invalid Gatehouse config:\n  - authority.clients: client "${id}" is invalid: ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'error_description' in error && typeof error.error_description === 'string') {
    return error.error_description;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * True for a client the operator listed in `authority.clients`; false for
 * one that registered itself (DCR) or is a metadata document URL (CIMD).
 *
 * @example
 * ```ts
 * isConfiguredClient(config, 'robot'); // true when authority.clients names it
 * ```
 */
export function isConfiguredClient(config: GatehouseConfig, clientId: string | undefined): boolean {
  return clientId !== undefined && config.authority.clients.some((client) => client.client_id === clientId);
}
