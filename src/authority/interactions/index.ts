export { interactionsConfiguration } from './configuration.js';
export { createInteractionHandler, type InteractionHandler, type InteractionHandlerOptions } from './handler.js';
export { matchInteractionRoute, interactionPath, type InteractionRoute, type InteractionAction } from './routes.js';
export { contentSecurityPolicy, formActionSource } from './respond.js';
export { describeRedirect, type RedirectTarget, type RedirectKind } from './redirect-target.js';
export { escapeHtml, html, SafeHtml, displayText } from './html.js';
