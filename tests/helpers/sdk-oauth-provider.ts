/**
 * An in-memory `OAuthClientProvider` for the official MCP SDK client: what a
 * real client keeps on disk (registration, tokens, PKCE verifier, discovery
 * state) kept in fields, and the authorization URL recorded instead of
 * opening a browser, so a test can sign in with `headlessLogin`.
 */
import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

export interface InMemoryOAuthProviderOptions {
  /** Where the authorization server sends the user back. Nothing needs to listen there. */
  redirectUrl?: string;
  /** Overrides of the metadata sent at registration. */
  clientMetadata?: Partial<OAuthClientMetadata>;
  /** An HTTPS URL of a client ID metadata document (CIMD), used when the AS supports it. */
  clientMetadataUrl?: string;
  /** A pre-registered client; skips registration. */
  clientInformation?: OAuthClientInformationMixed;
  /** Keep the discovery state between flows (SDK `saveDiscoveryState`). Default true. */
  rememberDiscovery?: boolean;
}

/**
 * Records every step the SDK takes; tests read `authorizationUrls`, `tokens()`
 * and `clientInformation()` afterwards.
 *
 * @example
 * ```ts
 * const provider = new InMemoryOAuthProvider();
 * const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
 * await expect(client.connect(transport)).rejects.toThrow(UnauthorizedError);
 * const callback = await headlessLogin(provider.lastAuthorizationUrl);
 * ```
 */
export class InMemoryOAuthProvider implements OAuthClientProvider {
  readonly redirectUrl: string;
  readonly clientMetadataUrl?: string;
  /** Every authorization URL the SDK asked to open, oldest first. */
  readonly authorizationUrls: URL[] = [];
  /** Every token response saved, oldest first. */
  readonly savedTokens: OAuthTokens[] = [];
  /** Every `invalidateCredentials` call, by scope. */
  readonly invalidations: string[] = [];
  readonly #metadata: OAuthClientMetadata;
  readonly #rememberDiscovery: boolean;
  #client?: OAuthClientInformationMixed;
  #tokens?: OAuthTokens;
  #codeVerifier?: string;
  #discovery?: OAuthDiscoveryState;

  constructor(options: InMemoryOAuthProviderOptions = {}) {
    this.redirectUrl = options.redirectUrl ?? 'http://127.0.0.1:33418/callback';
    if (options.clientMetadataUrl) this.clientMetadataUrl = options.clientMetadataUrl;
    this.#client = options.clientInformation;
    this.#rememberDiscovery = options.rememberDiscovery ?? true;
    this.#metadata = {
      client_name: 'Gatehouse e2e test client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...options.clientMetadata,
    };
  }

  get clientMetadata(): OAuthClientMetadata {
    return this.#metadata;
  }

  /** The URL the SDK most recently asked to open; throws when there is none. */
  get lastAuthorizationUrl(): URL {
    const url = this.authorizationUrls.at(-1);
    if (!url) throw new Error('The SDK has not asked to open an authorization URL');
    return url;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.#client;
  }

  saveClientInformation(clientInformation: OAuthClientInformationMixed): void {
    this.#client = clientInformation;
  }

  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
    this.savedTokens.push(tokens);
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    this.authorizationUrls.push(new URL(authorizationUrl));
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.#codeVerifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.#codeVerifier) throw new Error('No PKCE code verifier saved');
    return this.#codeVerifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    if (this.#rememberDiscovery) this.#discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    this.invalidations.push(scope);
    if (scope === 'all' || scope === 'client') this.#client = undefined;
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.#codeVerifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.#discovery = undefined;
  }
}
