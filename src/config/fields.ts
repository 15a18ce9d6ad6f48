import { z } from 'zod';

/** Building blocks of the sections' schemas, one definition each. */

/** An absolute http: or https: URL; `what` names the setting in the type error. */
export const url = (what: string) =>
  z.string({ error: `${what} must be a URL string` }).check((ctx) => {
    if (!URL.canParse(ctx.value)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `"${ctx.value}" is not an absolute URL (e.g. https://example.com)` });
    } else if (!/^https?:$/.test(new URL(ctx.value).protocol)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `"${ctx.value}" must use http: or https:` });
    }
  });

/** The discovery documents whose URL is pasted where the issuer belongs. */
const DISCOVERY_SUFFIXES = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

/**
 * The issuer a discovery document's URL stands for, or `undefined` when
 * `value` is no such URL: `.../realms/main/.well-known/openid-configuration`
 * (OpenID Connect appends) and `.../.well-known/oauth-authorization-server/realms/main`
 * (RFC 8414 inserts) both mean `.../realms/main`.
 *
 * @example
 * ```ts
 * issuerOfDiscoveryUrl('https://idp.example.com/realms/main/.well-known/openid-configuration'); // 'https://idp.example.com/realms/main'
 * ```
 */
export function issuerOfDiscoveryUrl(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const parsed = new URL(value);
  const path = parsed.pathname.replace(/\/+$/, '');
  for (const suffix of DISCOVERY_SUFFIXES) {
    if (path.endsWith(suffix)) return `${parsed.origin}${path.slice(0, -suffix.length)}`;
    if (path.startsWith(`${suffix}/`)) return `${parsed.origin}${path.slice(suffix.length)}`;
  }
  return undefined;
}

/**
 * An issuer URL: a {@link url}, and not the URL of the issuer's discovery
 * document (the commonest paste: Keycloak's realm page links it), which
 * would otherwise pass and have every metadata URL tried with
 * `/.well-known/` twice.
 */
export const issuerUrl = (what: string) =>
  url(what).check((ctx) => {
    const issuer = issuerOfDiscoveryUrl(ctx.value);
    if (issuer === undefined) return;
    const suffix = DISCOVERY_SUFFIXES.find((s) => ctx.value.includes(s))!;
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `"${ctx.value}" is the URL of the issuer's discovery document, not the issuer: drop ${suffix} and use "${issuer}"`,
    });
  });

/** Scopes as RFC 6749 spells them. */
export const scopeList = z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is printable ASCII without spaces, quotes or backslashes'));

/** A certificate's base64url SHA-1 thumbprint, sent as a JWS `x5t` header (Entra ID's certificate credentials). */
export const certificateThumbprint = z.string().regex(/^[A-Za-z0-9_-]{27}$/, 'a base64url SHA-1 thumbprint (27 characters)');
