/**
 * mcp-gatehouse/authority: Gatehouse's own OAuth 2.1 authorization server
 * for MCP, on `oidc-provider`, mounted beside the gate on one origin. Needs
 * Node (oidc-provider is Koa-based). Every name here is listed in docs/api.md.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createAuthority } from 'mcp-gatehouse/authority';
 * import { createMcpHandler } from 'mcp-gatehouse/mcp';
 * import type { GatedIncomingMessage } from 'mcp-gatehouse/node';
 *
 * const authority = await createAuthority({ publicUrl: 'http://localhost:3000', scopes: { required: ['mcp:tools'] } });
 * const mcp = createMcpHandler(() => buildMyMcpServer());
 * createServer((req: GatedIncomingMessage, res) =>
 *   authority.handler(req, res, () => {
 *     if (req.auth) return void mcp.node(req, res); // passed the gate
 *     res.writeHead(404).end(); // nobody's route
 *   }),
 * ).listen(3000);
 * ```
 *
 * @packageDocumentation
 */

// The authority (createAuthority runs the guard rails and mounts every part itself)
export { createAuthority, type Authority, type AuthorityOptions } from './create-authority.js';
export { authorityRoutes } from './provider/routes.js';
export type { FetchHook } from './registration/index.js';

// Its signing keys, as `gatehouse keys` manages them
export { loadOrCreateKeys, rotateKeys, listKeys, type AuthorityKeys, type KeyInfo, type KeyStateOptions, type LoadKeysOptions, type RotateKeysOptions, type RotationResult } from './keys/index.js';

// Its local accounts, as `gatehouse users` manages them
export { hashPassword, readUsersFile, writeUsersFile, type LocalUser } from './identity/index.js';
