import { fetchIssuerMetadata } from './fetch-metadata.js';
import type { AuthorizationServerMetadata } from './types.js';

/** Options of `UpstreamMetadata`. */
export interface UpstreamMetadataOptions {
  /** The configured issuer (`OAUTH_ISSUER_URL`). */
  issuer: string;
  /** Fields that replace the upstream's own, for providers with broken metadata. */
  overrides?: Record<string, unknown>;
  /** Seconds between refreshes after the first load; 0 turns refreshing off. Default 3600. */
  refreshIntervalSec?: number;
  /** Milliseconds before each metadata request is abandoned. Default 5000. */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
}

/**
 * The upstream issuer's metadata, kept fresh.
 *
 * The first `load()` must succeed (it rejects with a `DiscoveryError` naming
 * every URL tried); afterwards a timer refetches the document, and a failed
 * refresh keeps the last good one, so a flapping IdP never takes the gate down.
 *
 * @example
 * ```ts
 * const upstream = new UpstreamMetadata({ issuer: 'https://idp.example.com', overrides: { jwks_uri: 'https://idp.example.com/keys' } });
 * await upstream.load();
 * upstream.current?.jwks_uri; // 'https://idp.example.com/keys'
 * upstream.close();
 * ```
 */
export class UpstreamMetadata {
  readonly issuer: string;
  /** Metadata fetches attempted and failed, read by the metrics at scrape time (nothing is counted per request). */
  readonly counters = { fetches: 0, failures: 0 };
  readonly #overrides: Record<string, unknown>;
  readonly #refreshIntervalSec: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch | undefined;
  #fetched: AuthorizationServerMetadata | undefined;
  #current: AuthorizationServerMetadata | undefined;
  #source: string | undefined;
  #warnings: string[] = [];
  #loading: Promise<AuthorizationServerMetadata> | undefined;
  #refreshing: Promise<AuthorizationServerMetadata | undefined> | undefined;
  #lastRefreshError: unknown;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: UpstreamMetadataOptions) {
    this.issuer = options.issuer;
    this.#overrides = options.overrides ?? {};
    this.#refreshIntervalSec = options.refreshIntervalSec ?? 3600;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#fetch = options.fetch;
  }

  /** The metadata with overrides applied; `undefined` until the first load succeeds. */
  get current(): AuthorizationServerMetadata | undefined {
    return this.#current;
  }

  /** The metadata as the upstream served it, before overrides. */
  get fetched(): AuthorizationServerMetadata | undefined {
    return this.#fetched;
  }

  /** The well-known URL the current metadata came from. */
  get source(): string | undefined {
    return this.#source;
  }

  /** Harmless surprises found in the last fetched document (see `FetchedIssuerMetadata.warnings`). */
  get warnings(): readonly string[] {
    return this.#warnings;
  }

  /** Why the last refresh failed, or `undefined` when it succeeded. */
  get lastRefreshError(): unknown {
    return this.#lastRefreshError;
  }

  /**
   * Fetches the metadata once; later calls return it. Concurrent callers share
   * one request; after a failure the next call tries again.
   */
  load(): Promise<AuthorizationServerMetadata> {
    if (this.#current) return Promise.resolve(this.#current);
    this.#loading ??= this.#fetchAndStore().then(
      (metadata) => {
        this.#loading = undefined;
        this.#startTimer();
        return metadata;
      },
      (err: unknown) => {
        this.#loading = undefined;
        throw err;
      },
    );
    return this.#loading;
  }

  /**
   * Refetches the metadata now. Resolves to the new metadata, or to
   * `undefined` when the refetch failed and the last good metadata is kept
   * (the reason is in `lastRefreshError`). Never rejects.
   */
  refresh(): Promise<AuthorizationServerMetadata | undefined> {
    this.#refreshing ??= this.#fetchAndStore().then(
      (metadata) => {
        this.#lastRefreshError = undefined;
        return metadata;
      },
      (err: unknown) => {
        this.#lastRefreshError = err;
        return undefined;
      },
    ).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Stops the refresh timer. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #fetchAndStore(): Promise<AuthorizationServerMetadata> {
    this.counters.fetches++;
    let fetched: Awaited<ReturnType<typeof fetchIssuerMetadata>>;
    try {
      fetched = await fetchIssuerMetadata(this.issuer, { fetch: this.#fetch, timeoutMs: this.#timeoutMs });
    } catch (err) {
      this.counters.failures++;
      throw err;
    }
    const { metadata, url, warnings } = fetched;
    this.#fetched = metadata;
    this.#current = { ...metadata, ...this.#overrides };
    this.#source = url;
    this.#warnings = warnings;
    return this.#current;
  }

  #startTimer(): void {
    if (this.#closed || this.#timer !== undefined || !(this.#refreshIntervalSec > 0)) return;
    const timer = setInterval(() => void this.refresh(), this.#refreshIntervalSec * 1000);
    // Node keeps the process alive for an active interval; a metadata refresh must not.
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }
}
