import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';

/**
 * What a consent prompt asks for, read from oidc-provider's prompt details,
 * and the grant that answers it.
 */

interface ConsentPromptDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

const KNOWN_SCOPES: Record<string, string> = {
  openid: 'Know your username',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Stay connected when you are not using the app',
};

/** The scopes and resources a consent prompt asks for. */
export interface ConsentRequest {
  scopes: { name: string; description?: string }[];
  resources: string[];
  /** The prompt found scopes not granted yet (false: native clients are asked every time, RFC 8252 §8.6). */
  missing: boolean;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * The scopes (with a sentence for the well-known ones) and resources this
 * consent is about: what the prompt says is missing, else what was asked for.
 *
 * @example
 * ```ts
 * consentRequest(interaction); // { scopes: [{ name: 'openid', description: 'Know your username' }], resources: ['http://localhost:3000/mcp'] }
 * ```
 */
export function consentRequest(interaction: Interaction): ConsentRequest {
  const details = interaction.prompt.details as ConsentPromptDetails;
  const resourceScopes = details.missingResourceScopes ?? {};
  const missing = [...(details.missingOIDCScope ?? []), ...Object.values(resourceScopes).flat()];
  const names = missing.length > 0 ? missing : strings(interaction.params.scope);
  const resources = [...Object.keys(resourceScopes), ...strings(interaction.params.resource)];
  return {
    scopes: [...new Set(names)].map((name) => ({ name, description: KNOWN_SCOPES[name] })),
    resources: [...new Set(resources)],
    missing: missing.length > 0,
  };
}

/**
 * Grants everything the consent prompt found missing (added to the grant the
 * client already has, if any) and returns the grant's id.
 *
 * @example
 * ```ts
 * const grantId = await grantConsent(provider, interaction);
 * await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
 * ```
 */
export async function grantConsent(provider: Provider, interaction: Interaction, accountId: string): Promise<string> {
  const details = interaction.prompt.details as ConsentPromptDetails;
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId: String(interaction.params.client_id) });
  if (details.missingOIDCScope?.length) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  return grant.save();
}
