export { registrationConfiguration, installRegistrationRules, type RegistrationConfigurationOptions } from './registration-configuration.js';
export { dcrPolicy, registrationFeature, redirectHostAllowed, type DcrPolicy } from './dcr-policy.js';
export { clientMetadataRules, inferApplicationType, RULES_PROPERTY } from './client-metadata.js';
export { redirectUriMatches, installRedirectMatching } from './redirect-matching.js';
export { cimdConfiguration, CIMD_DRAFT_ACK } from './client-id-metadata-document.js';
export { outgoingFetch, cimdAllowsPrivateAddresses, type FetchHook } from './outgoing-fetch.js';
export { configuredClients, checkConfiguredClients, isConfiguredClient } from './configured-clients.js';
export { machineClients, machineClientProblems, machineTokenCustomizer, machineTokenScopes, installMachineGrantCheck, USERLESS_GRANTS, type MachineClient } from './machine-clients.js';
