/**
 * Gatehouse for Express 5: `import { gatehouseExpress } from 'mcp-gatehouse/express'`.
 */
export { gatehouseExpress, type GatehouseExpressOptions } from './middleware.js';
export { mountMcp, type MountMcpOptions } from './mount.js';
