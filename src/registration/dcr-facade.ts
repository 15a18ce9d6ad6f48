import type { GatehouseConfig } from '../config/schema.js';
import { jsonResponse } from '../http/respond.js';
import { readCapped } from '../gate/read-body.js';
import { checkRedirectUri } from './redirect-uri.js';

/**
 * The DCR façade (RFC 7591) for identity providers without dynamic client
 * registration: `POST /register` validates the client's metadata and answers
 * with the one public client pre-registered at the upstream. The upstream
 * still enforces its own redirect-URI list at authorization time; refusing
 * bad URIs here gives clients a clear error early, and stops dangerous ones
 * (`javascript:`, open http) before any flow starts.
 */

/** Client metadata documents are small; this leaves room for long URI lists. */
const MAX_BODY_BYTES = 64 * 1024;
const GRANT_TYPES = ['authorization_code', 'refresh_token'];

function registrationError(error: 'invalid_client_metadata' | 'invalid_redirect_uri', description: string): Response {
  return jsonResponse({ error, error_description: description }, { status: 400 });
}

async function readBody(request: Request): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    return { ok: false, response: registrationError('invalid_client_metadata', 'Content-Type must be application/json') };
  }
  const tooLarge = registrationError('invalid_client_metadata', `The request body is larger than ${MAX_BODY_BYTES} bytes`);
  if (Number(request.headers.get('content-length')) > MAX_BODY_BYTES) return { ok: false, response: tooLarge };
  const bytes = request.body ? await readCapped(request.body, MAX_BODY_BYTES).catch(() => undefined) : new Uint8Array();
  if (bytes === undefined) return { ok: false, response: registrationError('invalid_client_metadata', 'The request body could not be read') };
  if (bytes === null) return { ok: false, response: tooLarge };
  try {
    return { ok: true, body: JSON.parse(new TextDecoder().decode(bytes)) as unknown };
  } catch {
    return { ok: false, response: registrationError('invalid_client_metadata', 'The request body is not valid JSON') };
  }
}

function checkRedirectUris(value: unknown, config: GatehouseConfig): { ok: true; uris: string[] } | { ok: false; response: Response } {
  if (value === undefined) return { ok: false, response: registrationError('invalid_redirect_uri', 'redirect_uris is required') };
  if (!Array.isArray(value) || value.length === 0) {
    return { ok: false, response: registrationError('invalid_redirect_uri', 'redirect_uris must be a non-empty array of URIs') };
  }
  for (const uri of value as unknown[]) {
    if (typeof uri !== 'string') return { ok: false, response: registrationError('invalid_redirect_uri', 'every entry of redirect_uris must be a string') };
    const check = checkRedirectUri(uri, config.registration);
    if (!check.ok) {
      const shown = uri.length > 200 ? `${uri.slice(0, 200)}...` : uri;
      return { ok: false, response: registrationError('invalid_redirect_uri', `redirect_uri ${JSON.stringify(shown)} is not allowed: ${check.reason}`) };
    }
  }
  return { ok: true, uris: [...new Set(value as string[])] };
}

/**
 * Answers `POST /register` with the pre-registered client (201, RFC 7591
 * §3.2.1), or 400 `invalid_client_metadata` / `invalid_redirect_uri`.
 * Only called when `config.registration.clientId` is set.
 *
 * @example
 * ```ts
 * if (url.pathname === '/register' && request.method === 'POST') return registerClient(request, config);
 * ```
 */
export async function registerClient(request: Request, config: GatehouseConfig): Promise<Response> {
  const clientId = config.registration.clientId;
  if (!clientId) return jsonResponse({ error: 'not_found', error_description: 'Dynamic client registration is not enabled' }, { status: 404 });

  const read = await readBody(request);
  if (!read.ok) return read.response;
  const metadata = read.body;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return registrationError('invalid_client_metadata', 'The request body must be a JSON object of client metadata');
  }
  const fields = metadata as Record<string, unknown>;

  const redirect = checkRedirectUris(fields.redirect_uris, config);
  if (!redirect.ok) return redirect.response;

  if (fields.grant_types !== undefined && !(Array.isArray(fields.grant_types) && fields.grant_types.includes('authorization_code'))) {
    return registrationError('invalid_client_metadata', 'grant_types must include authorization_code: this server only supports the authorization-code flow with PKCE');
  }

  return jsonResponse(
    {
      client_id: clientId,
      client_id_issued_at: Math.floor(Date.now() / 1000),
      token_endpoint_auth_method: 'none',
      grant_types: GRANT_TYPES,
      response_types: ['code'],
      redirect_uris: redirect.uris,
      ...(typeof fields.client_name === 'string' ? { client_name: fields.client_name.slice(0, 200) } : {}),
    },
    { status: 201, headers: { Pragma: 'no-cache' } },
  );
}
