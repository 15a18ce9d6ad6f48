import { interactionPolicy, type Configuration, type KoaContextWithOIDC, type Interaction } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { interactionPath } from './routes.js';

/**
 * The interactions part of the authority's oidc-provider configuration:
 * oidc-provider's own development pages off, and users sent to Gatehouse's
 * sign-in and consent pages under the route prefix
 * (`/oauth/interaction/<uid>`), which `createInteractionHandler` serves.
 * In broker mode (`upstream` set) every authorization request signs in at
 * the upstream and asks for consent, even when a session and a grant
 * exist: a client that shares the one upstream app can never ride an
 * earlier approval (the confused deputy; FastMCP's GHSA-6x8h-498w-gv8c).
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
      ...(config.upstream ? { policy: brokerPolicy() } : {}),
    },
    features: { devInteractions: { enabled: false } },
  };
}

/** oidc-provider's prompts, plus: sign in and consent within this very authorization request. */
function brokerPolicy() {
  const { Check, base } = interactionPolicy;
  const policy = base();
  policy.get('login')!.checks.add(
    new Check('upstream_sign_in_each_time', 'broker mode signs in at the upstream on every authorization', (ctx) =>
      ctx.oidc.result?.login ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
    ),
  );
  policy.get('consent')!.checks.add(
    new Check('consent_each_time', 'broker mode asks for consent on every authorization', 'consent_required', (ctx) =>
      ctx.oidc.result?.consent ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
    ),
  );
  return policy;
}
