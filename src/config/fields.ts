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

/** Scopes as RFC 6749 spells them. */
export const scopeList = z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is printable ASCII without spaces, quotes or backslashes'));
