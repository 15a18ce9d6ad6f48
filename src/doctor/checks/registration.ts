import { report, type DoctorContext } from '../context.js';
import { isJsonDocument } from '../http.js';
import { dcrRequestBody, PROFILES, type ClientProfile } from '../profiles.js';
import type { ProfileId, RegistrationAttempt, RegistrationPlan } from '../types.js';
import type { AsResult, FoundMetadata } from './authorization-server.js';

/** What the metadata offers for getting a client ID. */
interface Offer {
  cimd: boolean;
  dcr?: string;
  /** `token_endpoint_auth_methods_supported`, when listed. */
  authMethods?: string[];
}

function offerOf(found: FoundMetadata): Offer {
  const { doc } = found;
  const endpoint = doc.registration_endpoint;
  const methods = doc.token_endpoint_auth_methods_supported;
  return {
    cimd: doc.client_id_metadata_document_supported === true,
    ...(typeof endpoint === 'string' && URL.canParse(endpoint) ? { dcr: endpoint } : {}),
    ...(Array.isArray(methods) ? { authMethods: methods.filter((m): m is string => typeof m === 'string') } : {}),
  };
}

function planFor(profile: ClientProfile, offer: Offer, port: number): RegistrationPlan {
  const redirectUris = profile.redirectUris(port);
  for (const method of profile.registration) {
    if (method === 'cimd' && offer.cimd && (!profile.cimdNeedsNone || offer.authMethods?.includes('none'))) {
      return { method, ...(profile.cimdClientId ? { clientId: profile.cimdClientId } : {}), redirectUris: profile.cimdRedirectUris ?? redirectUris };
    }
    if (method === 'dcr' && offer.dcr) return { method, redirectUris };
  }
  return { method: profile.manualClientId ? 'manual' : 'none', redirectUris };
}

/** RFC 7591 §3.2.2: `error` and `error_description`; never the rest of the body, which may hold secrets. */
function refusal(body: Record<string, unknown> | undefined, status: number): string {
  const error = typeof body?.error === 'string' ? body.error : `HTTP ${status}`;
  const description = typeof body?.error_description === 'string' ? `: ${body.error_description.slice(0, 300)}` : '';
  return `${error}${description}`;
}

async function attempt(ctx: DoctorContext, endpoint: string, profile: ClientProfile): Promise<RegistrationAttempt> {
  const exchange = await ctx.http.send(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(dcrRequestBody(profile, ctx.callbackPort)),
  });
  if (exchange.status === 0) return { accepted: false, status: 0, error: exchange.error ?? 'no answer' };
  const accepted = isJsonDocument(exchange) && typeof exchange.json.client_id === 'string';
  return accepted ? { accepted, status: exchange.status } : { accepted, status: exchange.status, error: refusal(exchange.json, exchange.status) };
}

function reportOptions(ctx: DoctorContext, plans: Map<ProfileId, RegistrationPlan>, offers: Map<ProfileId, Offer>): void {
  const where = (test: (plan: RegistrationPlan, offer: Offer, profile: ClientProfile) => boolean) =>
    PROFILES.filter((p) => plans.has(p.id) && test(plans.get(p.id)!, offers.get(p.id)!, p)).map((p) => p.id);
  report(ctx, 'registration-unavailable', where((plan) => plan.method === 'none'), 'The authorization server offers neither dynamic client registration (registration_endpoint) nor Client ID Metadata Documents, so these clients cannot get a client ID');
  report(ctx, 'registration-manual', where((plan) => plan.method === 'manual'), 'No dynamic client registration: VS Code will ask the user for a client ID');
  report(ctx, 'cimd-needs-none', where((plan, offer, p) => p.cimdNeedsNone && offer.cimd && plan.method !== 'cimd'),
    'Client ID Metadata Documents are advertised but "none" is not in token_endpoint_auth_methods_supported, so Claude registers with DCR instead');
  report(ctx, 'cimd-unavailable', where((_plan, offer, p) => p.registration[0] === 'cimd' && !offer.cimd),
    'No client_id_metadata_document_supported: clients that prefer Client ID Metadata Documents (DCR is deprecated since MCP 2026-07-28) fall back to DCR');
  report(ctx, 'token-auth-none', where((plan, offer) => plan.method === 'dcr' && !!offer.authMethods && !offer.authMethods.includes('none')),
    'token_endpoint_auth_methods_supported lacks "none": these public clients register with token_endpoint_auth_method "none" and may be refused');
}

/**
 * Step 5: how each client would get a client ID (CIMD, DCR, or a user
 * typing one), with which redirect URIs, and with `register`, whether the
 * authorization server accepts its registration.
 *
 * @example
 * ```ts
 * const plans = await checkRegistration(ctx, as);
 * plans.get('vscode'); // { method: 'dcr', redirectUris: ['https://vscode.dev/redirect', ...] }
 * ```
 */
export async function checkRegistration(ctx: DoctorContext, as: AsResult): Promise<Map<ProfileId, RegistrationPlan>> {
  const plans = new Map<ProfileId, RegistrationPlan>();
  const offers = new Map<ProfileId, Offer>();
  for (const profile of PROFILES) {
    const found = as.byProfile.get(profile.id);
    if (!found) continue;
    const offer = offerOf(found);
    offers.set(profile.id, offer);
    plans.set(profile.id, planFor(profile, offer, ctx.callbackPort));
  }
  reportOptions(ctx, plans, offers);
  if (!ctx.register) return plans;
  for (const profile of PROFILES) {
    const plan = plans.get(profile.id);
    const endpoint = offers.get(profile.id)?.dcr;
    if (plan?.method !== 'dcr' || !endpoint) continue;
    plan.attempt = await attempt(ctx, endpoint, profile);
    if (!plan.attempt.accepted) {
      report(ctx, 'dcr-refused', [profile.id], `${endpoint} refused ${profile.name}'s registration (redirect URIs ${plan.redirectUris.join(', ')}): ${plan.attempt.error}`);
    }
  }
  return plans;
}
