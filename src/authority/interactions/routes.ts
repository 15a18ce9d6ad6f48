/**
 * The interaction routes under the authority's prefix:
 *
 * - `GET  <prefix>/interaction/:uid`         the sign-in or consent page
 * - `POST <prefix>/interaction/:uid/login`   username and password
 * - `POST <prefix>/interaction/:uid/confirm` consent given
 * - `POST <prefix>/interaction/:uid/abort`   sign-in cancelled or consent denied
 * - `POST <prefix>/interaction/:uid/switch`  sign out and sign in as someone else
 */

export type InteractionAction = 'page' | 'login' | 'confirm' | 'abort' | 'switch';

export interface InteractionRoute {
  uid: string;
  action: InteractionAction;
}

// What follows `<prefix>/interaction/`: a uid (oidc-provider's are nanoids), then maybe an action.
const UID_AND_ACTION = /^([A-Za-z0-9_-]{1,128})(?:\/(login|confirm|abort|switch))?$/;

/**
 * Matches a request path against the interaction routes.
 *
 * @example
 * ```ts
 * matchInteractionRoute('/oauth', '/oauth/interaction/abc/login'); // { uid: 'abc', action: 'login' }
 * matchInteractionRoute('/oauth', '/oauth/token'); // undefined
 * ```
 */
export function matchInteractionRoute(prefix: string, pathname: string): InteractionRoute | undefined {
  const base = `${prefix}/interaction/`;
  if (!pathname.startsWith(base)) return undefined;
  const match = UID_AND_ACTION.exec(pathname.slice(base.length));
  if (!match) return undefined;
  return { uid: match[1]!, action: (match[2] as InteractionAction | undefined) ?? 'page' };
}

/**
 * The URL path of an interaction's page or one of its actions.
 *
 * @example
 * ```ts
 * interactionPath('/oauth', 'abc', 'confirm'); // '/oauth/interaction/abc/confirm'
 * ```
 */
export function interactionPath(prefix: string, uid: string, action: InteractionAction = 'page'): string {
  const page = `${prefix}/interaction/${encodeURIComponent(uid)}`;
  return action === 'page' ? page : `${page}/${action}`;
}
