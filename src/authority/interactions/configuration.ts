import type { Configuration, KoaContextWithOIDC, Interaction } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { interactionPath } from './routes.js';

/**
 * The interactions part of the authority's oidc-provider configuration:
 * oidc-provider's own development pages off, and users sent to Gatehouse's
 * sign-in and consent pages under the route prefix
 * (`/oauth/interaction/<uid>`), which `createInteractionHandler` serves.
 *
 * @example
 * ```ts
 * const provider = new Provider(config.issuer, { ...interactionsConfiguration(config), ...others });
 * ```
 */
export function interactionsConfiguration(config: GatehouseConfig): Pick<Configuration, 'interactions' | 'features'> {
  const prefix = config.authority.routePrefix;
  return {
    interactions: {
      url: function interactionUrl(_ctx: KoaContextWithOIDC, interaction: Interaction) {
        return interactionPath(prefix, interaction.uid);
      },
    },
    features: { devInteractions: { enabled: false } },
  };
}
