/**
 * How the SDK v2 client picks the MCP revision in these tests: pinned to
 * 2026-07-28 (it fails unless the server offers it via `server/discover`),
 * and `legacy` (the 2025 handshake, as older clients still connect).
 */
export const CLIENT_MODES = [
  { name: 'pinned to 2026-07-28', mode: { pin: '2026-07-28' }, version: '2026-07-28' },
  { name: 'legacy (2025)', mode: 'legacy', version: '2025-11-25' },
] as const;
