import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import type { GatehouseConfig } from '../../../config/schema.js';
import { resourceUri } from '../../../gate/resource.js';
import type { LocalAccounts } from '../../identity/local-accounts.js';
import type { SignInThrottle } from '../../identity/sign-in-throttle.js';
import type { Broker } from '../../upstream/broker.js';
import type { AuditEvent, Telemetry } from '../../../telemetry/types.js';
import { formActionSource } from '../respond.js';
import { interactionPath, type InteractionAction } from '../routes.js';

/**
 * What every interaction action works with, built once per handler: the
 * provider, the accounts, the configuration and what follows from them.
 */
export interface InteractionContext {
  provider: Provider;
  accounts: LocalAccounts;
  config: GatehouseConfig;
  /** The authority's route prefix, e.g. `/oauth`. */
  prefix: string;
  /** The MCP endpoint's canonical URI, as the gate computes it, to show it by name. */
  mcpResource: string;
  devLogin: boolean;
  throttle: SignInThrottle;
  /** Broker mode: users sign in at the upstream, and consent is asked every time. */
  broker?: Broker;
  /** Where sign-in, consent and throttle events go; absent, nothing is built. */
  telemetry?: Telemetry;
}

/** One request to an action, after the guards: the interaction the cookie and the URL agree on. */
export interface InteractionRequest {
  req: IncomingMessage;
  res: ServerResponse;
  interaction: Interaction;
  /** The submitted form, read and checked against the anti-forgery token (posts only). */
  form: URLSearchParams;
}

/** One action of the interaction routes, as oidc-provider's `lib/actions/` has one file per step. */
export type InteractionStep = (ctx: InteractionContext, request: InteractionRequest) => Promise<void>;

/**
 * The context of an interaction handler.
 *
 * @example
 * ```ts
 * const ctx = interactionContext(provider, accounts, config, throttle);
 * ```
 */
export function interactionContext(
  provider: Provider,
  accounts: LocalAccounts,
  config: GatehouseConfig,
  throttle: SignInThrottle,
  parts: { broker?: Broker; telemetry?: Telemetry } = {},
): InteractionContext {
  const mcpResource = resourceUri(new Request(config.publicUrl ?? config.issuer), config);
  const { broker, telemetry } = parts;
  return { provider, accounts, config, prefix: config.authority.routePrefix, mcpResource, devLogin: accounts.devLogin, throttle, ...(broker ? { broker } : {}), telemetry };
}

/**
 * An audit event about an interaction: the client and the scopes and
 * resource it asks for come from the authorization request; never the
 * password or the form.
 *
 * @example
 * ```ts
 * ctx.telemetry?.audit?.(interactionEvent('signin.succeeded', interaction, { subject: accountId }));
 * ```
 */
export function interactionEvent(event: AuditEvent['event'], interaction: Interaction, facts: Partial<AuditEvent> = {}): AuditEvent {
  const { client_id: clientId, scope, resource } = interaction.params as { client_id?: unknown; scope?: unknown; resource?: unknown };
  return {
    event,
    clientId: typeof clientId === 'string' ? clientId : undefined,
    scopes: typeof scope === 'string' && scope !== '' ? scope.split(' ') : undefined,
    resource: typeof resource === 'string' ? resource : Array.isArray(resource) ? resource.join(' ') : undefined,
    subject: interaction.session?.accountId,
    ...facts,
  };
}

/**
 * The paths of an interaction's page and of each of its actions, for the forms.
 *
 * @example
 * ```ts
 * actionPaths(ctx, 'abc').login; // '/oauth/interaction/abc/login'
 * ```
 */
export function actionPaths(ctx: InteractionContext, uid: string): Record<InteractionAction, string> {
  const of = (action: InteractionAction) => interactionPath(ctx.prefix, uid, action);
  return { page: of('page'), login: of('login'), confirm: of('confirm'), abort: of('abort'), switch: of('switch') };
}

/**
 * Where the flow may end: the client's redirect URI (for the CSP's form-action).
 *
 * @example
 * ```ts
 * sendPage(res, 200, page, formTargets(interaction));
 * ```
 */
export function formTargets(interaction: Interaction): string[] {
  const source = formActionSource(String(interaction.params.redirect_uri ?? ''));
  return source ? [source] : [];
}
