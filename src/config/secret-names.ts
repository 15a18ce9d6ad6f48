/**
 * Which setting, header and field names hold a secret: one list for the
 * log's redaction (`log/redact.ts`) and for the config's own messages,
 * which quote a wrong value back only when its name is not among them.
 */

/** Header and field names whose values are dropped entirely. */
export const CREDENTIAL_NAMES: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'dpop']);

/** Names ending in one of these hold a secret (`clientSecret`, `client_secret`, `initialAccessToken`, `refresh_token`...). */
const SECRET_NAME = /(secret|password|passwd|token|assertion|api[-_]?key|private[-_]?key|credentials?)$/i;

/**
 * True for a field name whose value must never be shown.
 *
 * @example
 * ```ts
 * isSecretName('clientSecret'); // true
 * isSecretName('token_endpoint_auth_method'); // false
 * ```
 */
export function isSecretName(name: string): boolean {
  return CREDENTIAL_NAMES.has(name.toLowerCase()) || SECRET_NAME.test(name);
}
