import type Provider from 'oidc-provider';
import type { ClientMetadata, Configuration } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { cimdConfiguration } from './client-id-metadata-document.js';
import { clientMetadataRules } from './client-metadata.js';
import { checkConfiguredClients, configuredClients } from './configured-clients.js';
import { registrationFeature } from './dcr-policy.js';
import { installMachineGrantCheck } from './machine-clients.js';
import type { FetchHook } from './outgoing-fetch.js';
import { installRedirectMatching } from './redirect-matching.js';

/**
 * How clients come to exist in the authority (DCR, Client ID Metadata
 * Documents, the config) and which redirect URIs they may use: the partial
 * oidc-provider configuration the authority core merges, and the rules that
 * need the provider instance.
 */

export interface RegistrationConfigurationOptions {
  /**
   * The fetch that reaches other servers, wrapped by Gatehouse's timeout and
   * SSRF policy. Tests pass one that trusts their own certificate authority.
   */
  fetch?: FetchHook;
}

/**
 * The registration part of the oidc-provider configuration. When merging,
 * keep `clientDefaults.application_type: null` (it tells the rules that a
 * client did not say its type) and `extraClientMetadata` (the rules
 * themselves); {@link installRegistrationRules} checks that both arrived.
 *
 * @example
 * ```ts
 * const provider = new Provider(config.issuer, merge(coreConfiguration, registrationConfiguration(config)));
 * await installRegistrationRules(provider, config);
 * ```
 */
export function registrationConfiguration(config: GatehouseConfig, options: RegistrationConfigurationOptions = {}): Partial<Configuration> {
  const cimd = cimdConfiguration(config, options);
  return {
    clients: configuredClients(config),
    // oidc-provider's own default is `web`; `null` lets the rules tell "not said" from "said web".
    clientDefaults: { application_type: null } as unknown as ClientMetadata,
    ...clientMetadataRules(config),
    fetch: cimd.fetch,
    fetchResponseBodyLimits: cimd.fetchResponseBodyLimits,
    features: {
      registration: registrationFeature(config),
      ...cimd.features,
    },
  };
}

/**
 * What needs the provider instance: loopback-any-port redirect matching on
 * its `Client` class, the token endpoint's refusal of grants without a user
 * to clients not configured for them, a check that the rules are wired, and
 * every configured client built once (a `ConfigError` naming the wrong one).
 *
 * @example
 * ```ts
 * await installRegistrationRules(provider, config);
 * ```
 */
export async function installRegistrationRules(provider: Provider, config: GatehouseConfig): Promise<void> {
  installRedirectMatching(provider);
  installMachineGrantCheck(provider, config);
  assertRulesWired(provider);
  await checkConfiguredClients(provider, config);
}

/** A loopback client that says no type must come out `native`: only true when the rules run. */
function assertRulesWired(provider: Provider): void {
  const ClientClass = provider.Client as unknown as new (metadata: ClientMetadata) => { applicationType?: string };
  let applicationType: string | undefined;
  try {
    applicationType = new ClientClass({
      client_id: 'gatehouse-rules-check',
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
    }).applicationType;
  } catch (error) {
    const description = (error as { error_description?: unknown }).error_description;
    throw notWired(typeof description === 'string' ? description : error instanceof Error ? error.message : String(error));
  }
  if (applicationType !== 'native') throw notWired(`a loopback client without application_type came out "${applicationType}"`);
}

function notWired(detail: string): ConfigError {
  return new ConfigError(
    'The authority\'s client registration rules are not in the oidc-provider configuration: merge registrationConfiguration(config), ' +
      `keeping clientDefaults.application_type = null and extraClientMetadata (${detail}).`,
  );
}
