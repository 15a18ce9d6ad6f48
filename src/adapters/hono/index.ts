/**
 * Gatehouse for Hono: `import { gatehouseHono } from 'mcp-gatehouse/hono'`.
 */
export { gatehouseHono, type GatehouseEnv, type GatehouseHonoOptions, type GatehouseVariables } from './middleware.js';
