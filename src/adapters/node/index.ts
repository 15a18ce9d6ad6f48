/**
 * Gatehouse for plain `node:http`: `import { gatehouseNode } from 'mcp-gatehouse/node'`.
 */
export { gatehouseNode, type GatehouseNodeMiddleware, type GatehouseNodeOptions, type GatedIncomingMessage, type NextFunction } from './middleware.js';
export { toWebRequest, gateRequestOf, headersFromRaw, type ToWebRequestOptions } from './request.js';
export { writeWebResponse } from './response.js';
export { readBody, BodyTooLargeError, DEFAULT_MAX_BODY_BYTES } from './body.js';
