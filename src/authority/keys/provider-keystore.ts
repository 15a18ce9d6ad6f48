/**
 * Puts new signing keys into a running oidc-provider.
 *
 * oidc-provider takes `jwks` once, in its constructor, which runs its own
 * `initialize_keystore` helper: it checks every key, builds the keystore it
 * signs with (ID tokens, JWT access tokens) and the public key set its JWKS
 * endpoint serves, and stores both on the instance, where every signing and
 * the JWKS endpoint read them per request. Calling that same helper again
 * on the running instance swaps both in one synchronous step (a key it
 * refuses throws before anything is replaced).
 *
 * Chosen over the alternatives: building a new Provider on every change
 * would drop everything installed on the old one (routes, middleware, the
 * grant handlers, interaction state) and race requests in flight; serving
 * JWKS from our own route would still leave oidc-provider signing with the
 * retired key. The helper is internal to oidc-provider: the test in
 * live-keys.provider.test.ts signs and publishes through a real instance,
 * so an upgrade that moves it fails there, not in production.
 */
import type Provider from 'oidc-provider';
import initializeKeystore from 'oidc-provider/lib/helpers/initialize_keystore.js';
import type { PrivateJwk } from './key-file.js';

/**
 * Makes `provider` sign with, and publish, exactly `jwks` from now on.
 *
 * @example
 * ```ts
 * keys.onChange((next) => swapProviderKeys(provider, next.jwks));
 * ```
 */
export function swapProviderKeys(provider: Provider, jwks: { keys: readonly PrivateJwk[] }): void {
  // The helper keeps what it is given; give it copies, as the constructor's caller does.
  initializeKeystore.call(provider, { keys: jwks.keys.map((key) => structuredClone(key)) });
}
