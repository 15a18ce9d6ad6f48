import type { UpstreamProviderName } from '../../config/sections/upstream.js';

/**
 * What broker mode knows of a user signed in at the upstream, and of the
 * tokens the upstream issued: the shapes every upstream (OIDC by
 * discovery, GitHub's plain OAuth 2) produces.
 */

/** A user as the upstream described them, mapped into Gatehouse's claims. */
export interface UpstreamIdentity {
  /** Gatehouse's `sub`: the upstream's stable id, namespaced by provider (`entra|<oid>`, `github|12345`). */
  sub: string;
  email?: string;
  /** Whether the upstream says it verified `email`; unverified addresses never pass a domain or address rule. */
  emailVerified: boolean;
  name?: string;
  /** Groups (OIDC groups claim; GitHub organisations and `org/team` slugs). */
  groups: string[];
  /** Google Workspace's `hd`: the domain of the account, when it belongs to one. */
  hostedDomain?: string;
}

/** Tokens the upstream issued for one sign-in; they never leave the server. */
export interface UpstreamTokenSet {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** When the access token expires (ms since the epoch); unknown: it is used until the upstream refuses it. */
  expiresAt?: number;
  scope?: string;
}

/** The secrets of one sign-in under way, kept server-side until the callback. */
export interface UpstreamLoginSecrets {
  state: string;
  codeVerifier: string;
  nonce: string;
}

/** One upstream identity provider, as the broker uses it. */
export interface Upstream {
  readonly provider: UpstreamProviderName;
  /** Who the pages and messages name: `Microsoft Entra ID (login.microsoftonline.com)`. */
  readonly label: string;
  /** The redirect URI registered at the upstream: `<PUBLIC_URL>/oauth/upstream/callback`. */
  readonly callbackUrl: string;
  /** Where to send the browser to sign in (code flow, PKCE S256, `state`, `nonce`). */
  authorizationUrl(secrets: UpstreamLoginSecrets): Promise<URL>;
  /** Redeems the callback's code (state, PKCE, `iss` and the ID token checked) and says who signed in. */
  finish(callback: URL, secrets: UpstreamLoginSecrets): Promise<{ identity: UpstreamIdentity; tokens: UpstreamTokenSet }>;
  /** New tokens for a refresh token; a refresh token the answer does not replace stays in use. */
  refresh(refreshToken: string): Promise<UpstreamTokenSet>;
  /** The upstream's own account of the user behind an access token (OIDC userinfo, GitHub `/user`). */
  userInfo(accessToken: string): Promise<Record<string, unknown>>;
}
