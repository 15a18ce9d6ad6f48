/**
 * The authority's token-exchange grant (RFC 8693): an MCP server trades a
 * user's access token for one meant for a downstream API, as policy allows.
 */
export { installTokenExchange, tokenExchangeConfigProblems } from './install.js';
export { tokenExchangeHandler, TOKEN_EXCHANGE_PARAMETERS, TOKEN_EXCHANGE_REPEATABLE } from './grant.js';
export { decideExchange, type ExchangeAsk, type Permission, type Refusal } from './policy.js';
export { subjectTokenVerifier, SubjectTokenError, type SubjectClaims, type SubjectTokenVerifier } from './subject-token.js';
export { exchangedTokenSigner, type ExchangedClaims, type TokenSigner } from './issue-token.js';
