export { startTestIssuer, type TestIssuer, type TestIssuerOptions, type MintOptions, type JwksMode } from './test-issuer.js';
