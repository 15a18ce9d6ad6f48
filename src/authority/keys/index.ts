/**
 * The authority's signing keys (persisted in `<stateDir>/keys.json`, rotated
 * with `gatehouse keys rotate`) and its generated secrets.
 */
export { loadOrCreateKeys, loadStoredKeys, rotateKeys, listKeys, type LoadKeysOptions, type RotateKeysOptions, type RotationResult } from './load.js';
export { activeSigningKey, buildAuthorityKeys, publicJwk, type AuthorityKeys, type KeyInfo } from './key-set.js';
export { createLocalKeySource } from './key-source.js';
export { loadLiveKeys, type LiveAuthorityKeys, type LiveKeysOptions } from './live-keys.js';
export { loadOrCreateSecret, type SecretOptions } from './secret.js';
export { keyFilePath, keyLocation, KEY_FILE_NAME, KEY_REFRESH_SEC, type KeyStateOptions, type SharedKeyFile } from './state.js';
export { SIGNING_ALGORITHMS, type PrivateJwk, type SigningAlgorithm } from './key-file.js';
