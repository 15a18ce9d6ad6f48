/** oidc-provider 9's own keystore set-up, which it calls once from its constructor (see provider-keystore.ts). */
declare module 'oidc-provider/lib/helpers/initialize_keystore.js' {
  import type Provider from 'oidc-provider';
  export default function initializeKeystore(this: Provider, jwks: { keys: object[] }): void;
}
