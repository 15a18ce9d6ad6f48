import { isJsonObject, parseJson } from '../../discovery/http.js';
import type { Exchange, Prober } from '../http.js';
import { evidenceOf } from './evidence.js';
import type { Probe } from './observe-tokens.js';
import type { Eras } from './types.js';

/**
 * Which eras a server speaks (2026-07-28: `server/discover` offers it;
 * 2025: `initialize` answers), and, for one that speaks 2026-07-28, how it
 * answers requests whose standard headers disagree with the body. Needs a
 * token: without one every request gets the same 401. Every tools/call
 * names a tool no server has, so that a server that skips the cross-check
 * runs nothing.
 */

export const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
/** A tool name no server has: a call that gets through answers "unknown tool". */
const NO_TOOL = 'gatehouse-doctor-no-such-tool';

export interface ModernProbes {
  methodMismatch: Probe;
  nameMismatch: Probe;
  versionMismatch: Probe;
  missingMethod: Probe;
  missingName: Probe;
  base64Name: Probe;
  unsupportedVersion: Probe;
  unknownMethod: Probe;
}

export interface ModernObservation {
  eras: Eras;
  discover?: Exchange;
  /** The server/discover result, when it gave one. */
  discoverResult?: Record<string, unknown>;
  probes?: ModernProbes;
}

let nextId = 1;

function envelope(method: string, params: Record<string, unknown>, version = MODERN): Record<string, unknown> {
  return {
    jsonrpc: '2.0', id: nextId++, method,
    params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': version, 'io.modelcontextprotocol/clientInfo': { name: 'gatehouse-doctor', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } },
  };
}

/** The JSON-RPC message of a JSON or SSE answer (the last `data:` line that parses). */
export function jsonRpcOf(exchange: Exchange): Record<string, unknown> | undefined {
  if (exchange.json) return exchange.json;
  const messages = exchange.body.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => parseJson(l.slice(5).trim())).filter(isJsonObject);
  return messages.at(-1);
}

/** The JSON-RPC error code of an answer, if it is an error. */
export function rpcErrorCode(exchange: Exchange): number | undefined {
  const error = jsonRpcOf(exchange)?.error;
  return isJsonObject(error) && typeof error.code === 'number' ? error.code : undefined;
}

function send(http: Prober, url: string, token: string, headers: Record<string, string>, body: Record<string, unknown>): Promise<Exchange> {
  return http.send(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
}

/** `Mcp-Name: x` etc. for the label, never Authorization. */
function label(url: string, body: Record<string, unknown>, headers: Record<string, string>): string {
  const shown = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join(', ');
  return `POST ${url} ${String(body.method)} with the --token value${shown ? `, ${shown}` : ', no standard headers'}`;
}

async function probe(http: Prober, url: string, token: string, headers: Record<string, string>, body: Record<string, unknown>): Promise<Probe> {
  return { label: label(url, body, headers), exchange: await send(http, url, token, headers, body) };
}

const standard = (method: string, name?: string, version = MODERN): Record<string, string> => ({
  'MCP-Protocol-Version': version, 'Mcp-Method': method, ...(name !== undefined ? { 'Mcp-Name': name } : {}),
});

/**
 * What an SDK v2 client in `auto` or pinned mode sends first: `server/discover`
 * with the 2026-07-28 envelope and standard headers (the caller adds a token, or not).
 *
 * @example
 * ```ts
 * const { headers, body } = discoverRequest();
 * await http.send(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
 * ```
 */
export function discoverRequest(): { headers: Record<string, string>; body: string } {
  return { headers: standard('server/discover'), body: JSON.stringify(envelope('server/discover', {})) };
}

async function probeHeaders(http: Prober, url: string, token: string): Promise<ModernProbes> {
  const call = (name: string) => envelope('tools/call', { name, arguments: {} });
  const base64 = `=?base64?${Buffer.from(NO_TOOL).toString('base64')}?=`;
  return {
    methodMismatch: await probe(http, url, token, standard('prompts/list'), envelope('tools/list', {})),
    nameMismatch: await probe(http, url, token, standard('tools/call', `${NO_TOOL}-other`), call(NO_TOOL)),
    versionMismatch: await probe(http, url, token, standard('tools/list', undefined, LEGACY), envelope('tools/list', {})),
    missingMethod: await probe(http, url, token, { 'MCP-Protocol-Version': MODERN }, envelope('tools/list', {})),
    missingName: await probe(http, url, token, standard('tools/call'), call(NO_TOOL)),
    base64Name: await probe(http, url, token, standard('tools/call', base64), call(NO_TOOL)),
    unsupportedVersion: await probe(http, url, token, standard('tools/list', undefined, '2099-01-01'), envelope('tools/list', {}, '2099-01-01')),
    unknownMethod: await probe(http, url, token, standard('gatehouse-doctor/no-such-method'), envelope('gatehouse-doctor/no-such-method', {})),
  };
}

/** A 2025 `initialize` with the token; a session it opens is closed again. */
async function speaksLegacy(http: Prober, url: string, token: string): Promise<{ legacy: boolean; exchange: Exchange }> {
  const body = { jsonrpc: '2.0', id: nextId++, method: 'initialize', params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'gatehouse-doctor', version: '1' } } };
  const exchange = await send(http, url, token, { 'MCP-Protocol-Version': LEGACY }, body);
  const result = jsonRpcOf(exchange)?.result;
  const session = exchange.headers.get('mcp-session-id');
  if (session) await http.send(url, { method: 'DELETE', headers: { Authorization: `Bearer ${token}`, 'Mcp-Session-Id': session, 'MCP-Protocol-Version': LEGACY } });
  return { legacy: exchange.status === 200 && isJsonObject(result) && typeof result.protocolVersion === 'string', exchange };
}

/** The eras, as {@link observeEras} saw them. */
export interface ErasObservation {
  eras: Eras;
  discover: Exchange;
  /** The server/discover result, when it gave one. */
  discoverResult?: Record<string, unknown>;
  /** Both probes were answered 401 or 403: the token was refused, so the eras say nothing. */
  tokenRefused: boolean;
}

/**
 * Which eras a server speaks, with a token: `server/discover` (2026-07-28
 * when its `supportedVersions` lists it) and a 2025 `initialize`.
 *
 * @example
 * ```ts
 * const { eras, tokenRefused } = await observeEras(http, 'https://mcp.example.com/mcp', token);
 * ```
 */
export async function observeEras(http: Prober, url: string, token: string): Promise<ErasObservation> {
  const discoverBody = envelope('server/discover', {});
  const discover = await send(http, url, token, standard('server/discover'), discoverBody);
  const result = jsonRpcOf(discover)?.result;
  const versions = isJsonObject(result) && Array.isArray(result.supportedVersions) ? result.supportedVersions.filter((v): v is string => typeof v === 'string') : undefined;
  // server/discover is the one sign: a 2025 stateless server answers other methods too, ignoring _meta.
  const modern = !!versions?.includes(MODERN);
  const legacy = await speaksLegacy(http, url, token);
  const evidence = [
    evidenceOf(discover, label(url, discoverBody, standard('server/discover'))),
    evidenceOf(legacy.exchange, `POST ${url} initialize (${LEGACY}) with the --token value`),
  ];
  const refused = (e: Exchange) => e.status === 401 || e.status === 403;
  return {
    eras: { modern, legacy: legacy.legacy, ...(versions ? { supportedVersions: versions } : {}), evidence },
    discover,
    ...(isJsonObject(result) ? { discoverResult: result } : {}),
    tokenRefused: refused(discover) && refused(legacy.exchange),
  };
}

/**
 * Observes the eras (and, for a modern server, the header probes).
 *
 * @example
 * ```ts
 * const { eras } = await observeModern(http, 'https://mcp.example.com/mcp', token);
 * eras.modern; // true when server/discover offered 2026-07-28
 * ```
 */
export async function observeModern(http: Prober, url: string, token: string | undefined): Promise<ModernObservation> {
  if (!token) return { eras: { modern: 'unknown', legacy: 'unknown', evidence: [] } };
  const { eras, discover, discoverResult } = await observeEras(http, url, token);
  return {
    eras, discover, ...(discoverResult ? { discoverResult } : {}),
    ...(eras.modern === true ? { probes: await probeHeaders(http, url, token) } : {}),
  };
}
