import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { UpstreamError } from '../../errors.js';
import type { Telemetry } from '../../telemetry/types.js';
import type { AuthInfo } from '../../tokens/types.js';
import { loadOrCreateSecret } from '../keys/secret.js';
import { grantIdOf } from '../live-grants.js';
import type { StoreFactory } from '../stores/types.js';
import { createBrokerAccounts, type BrokerAccounts } from './accounts.js';
import { newBinding, setBindingCookie } from './binding-cookie.js';
import { handleUpstreamCallback } from './callback.js';
import { connectGithubUpstream } from './github-upstream.js';
import { connectOidcUpstream } from './oidc-upstream.js';
import { sealingKey, seal } from './seal.js';
import type { Upstream, UpstreamLoginSecrets } from './types.js';
import { createUpstreamVault, type UpstreamVault } from './vault.js';

/** The sign-ins under way at the upstream, by `state`. */
export const UPSTREAM_LOGIN_MODEL = 'UpstreamLogin';
/** An upstream sign-in must come back within this time. */
export const UPSTREAM_LOGIN_TTL_SEC = 600;
/** A signed-in user has this long to give consent before the upstream tokens go. */
export const PENDING_TTL_SEC = 30 * 60;

/** What a sign-in under way keeps server-side (sealed), under its `state`. */
export interface PendingLogin {
  uid: string;
  bindingHash: string;
  secrets: UpstreamLoginSecrets;
}

/** Broker mode of one authority. */
export interface Broker {
  readonly upstream: Upstream;
  readonly accounts: BrokerAccounts;
  readonly vault: UpstreamVault;
  /** `<routePrefix>/upstream/callback`. */
  readonly callbackPath: string;
  /** Connects it to the provider: the callback finishes its interactions; a grant's end drops its upstream tokens. */
  attach(provider: Provider): void;
  /** Sends the browser of a login interaction to the upstream, bound to this browser by a cookie. */
  startSignIn(res: ServerResponse, interaction: Interaction): Promise<void>;
  /** `GET <routePrefix>/upstream/callback`. */
  handleCallback(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** After consent: the sign-in's upstream tokens now belong to the grant. False: they expired. */
  bindTokens(interaction: Interaction, grantId: string): Promise<boolean>;
  /** The upstream access token behind a Gatehouse token the gate accepted (refreshed when expired). */
  upstreamTokenFor(authInfo: AuthInfo): Promise<string>;
}

export interface BrokerOptions {
  /** Where failures operators must act on go (a wrong client secret...). Default stderr. */
  log?: (line: string) => void;
  /** Sign-ins at the upstream emit `signin.succeeded` / `signin.failed` here, as local ones do. */
  telemetry?: Telemetry;
}

/**
 * Broker mode, when `upstream` is configured: connects to the upstream
 * (fails fast when its metadata cannot be fetched), derives the sealing key
 * from `GATEHOUSE_SECRET` or a secret generated 0600 in the state
 * directory, and keeps sign-ins, accounts and tokens through the store.
 *
 * @example
 * ```ts
 * const broker = await createBroker(config, store);
 * if (broker) broker.attach(provider);
 * ```
 */
export async function createBroker(config: GatehouseConfig, store: StoreFactory, options: BrokerOptions = {}): Promise<Broker | undefined> {
  const settings = config.upstream;
  if (!settings) return undefined;
  const prefix = config.authority.routePrefix;
  const callbackPath = `${prefix}/upstream/callback`;
  const callbackUrl = `${config.issuer}${callbackPath}`;
  const upstream = settings.provider === 'github' ? connectGithubUpstream(settings, callbackUrl) : await connectOidcUpstream(settings, callbackUrl);
  const persist = config.authority.store !== 'memory';
  const secret = config.authority.secret ?? (await loadOrCreateSecret(config.authority.stateDir, 'upstream-tokens', { persist }));
  const key = sealingKey(secret);
  const accounts = createBrokerAccounts(config, store, key);
  const vault = createUpstreamVault(store, key, upstream, { upstreamTimeoutMs: settings.timeoutMs });
  const logins = store(UPSTREAM_LOGIN_MODEL);
  const secure = config.issuer.startsWith('https:');
  const log = options.log ?? ((line: string) => console.error(line));
  let provider: Provider | undefined;

  async function grantTtlSec(grantId: string): Promise<number> {
    const grant = await provider?.Grant.find(grantId);
    const exp = typeof grant?.exp === 'number' ? grant.exp : undefined;
    return exp ? Math.max(60, exp - Math.floor(Date.now() / 1000)) : config.authority.refreshTokenTtlSec;
  }

  return {
    upstream,
    accounts,
    vault,
    callbackPath,
    attach(attached) {
      provider = attached;
      const drop = (grantId: unknown) => {
        if (typeof grantId === 'string') vault.drop(grantId).catch((err: unknown) => log(`gatehouse: could not drop the upstream tokens of a grant: ${String(err)}`));
      };
      attached.on('grant.revoked', (_ctx: unknown, grantId: unknown) => drop(grantId));
      attached.on('grant.destroyed', (grant: { jti?: unknown }) => drop(grant?.jti));
    },
    async startSignIn(res, interaction) {
      const secrets: UpstreamLoginSecrets = { state: random(), codeVerifier: random(), nonce: random() };
      const binding = newBinding();
      const pending: PendingLogin = { uid: interaction.uid, bindingHash: binding.hash, secrets };
      await logins.upsert(secrets.state, { sealed: seal(key, secrets.state, pending) }, UPSTREAM_LOGIN_TTL_SEC);
      const target = await upstream.authorizationUrl(secrets);
      setBindingCookie(res, secrets.state, binding.value, secure);
      res.statusCode = 303;
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('Location', target.href);
      res.setHeader('Content-Length', '0');
      res.end();
    },
    handleCallback(req, res) {
      if (!provider) throw new Error('broker: attach(provider) first');
      return handleUpstreamCallback({ settings, provider, upstream, accounts, vault, logins, key, secure, issuer: config.issuer, log, pendingTtlSec: PENDING_TTL_SEC, telemetry: options.telemetry }, req, res);
    },
    async bindTokens(interaction, grantId) {
      const pendingId = (interaction.lastSubmission as { upstream?: { pending?: unknown } } | undefined)?.upstream?.pending;
      if (typeof pendingId !== 'string') return false;
      const ttl = await grantTtlSec(grantId);
      const bound = await vault.bindToGrant(pendingId, grantId, ttl);
      const identity = bound ? await vault.identityFor(grantId) : undefined;
      if (identity) await accounts.remember(identity, ttl);
      return bound;
    },
    upstreamTokenFor(authInfo) {
      const grantId = grantIdOf(authInfo);
      if (!grantId) return Promise.reject(new UpstreamError('ERR_UPSTREAM_NO_TOKEN', 'This token was not issued for a sign-in at the upstream (no grant); sign in again'));
      return vault.accessTokenFor(grantId);
    },
  };
}

function random(): string {
  return randomBytes(32).toString('base64url');
}
