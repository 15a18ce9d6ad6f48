/**
 * Enterprise-Managed Authorization (SEP-990): the authority redeems
 * Identity Assertion JWT Authorization Grants from trusted enterprise IdPs
 * with the RFC 7523 JWT bearer grant.
 */
export { installIdJagGrant, idJagConfigProblems, type InstalledIdJagGrant } from './install.js';
export { idJagHandler, JWT_BEARER_GRANT, JWT_BEARER_PARAMETERS, type IdJagGrantParts } from './grant.js';
export { verifyIdJag, IdJagError, ID_JAG_TYPE, type IdJagExpectations, type VerifiedIdJag } from './assertion.js';
export { replayCache, REPLAY_MODEL, type ReplayCache } from './replay.js';
export { decideIdJagScopes, type ScopeAsk, type ScopeDecision } from './scopes.js';
export { trustedIssuers, configuredIdJagIssuers, type TrustedIssuer, type TrustedIssuers } from './trusted-issuers.js';
export { ENTERPRISE_ISSUER_CLAIM, enterpriseIssuerClaim, findGrantIssuersWith, isIdJagToken, tagEnterpriseIssuer } from './token-claims.js';
