export { configSchema, type GatehouseConfig, type GatehouseConfigInput, type ConfigLayer } from './schema.js';
export { configFromEnv, ENV_NAMES } from './env.js';
export { resolveConfig } from './resolve.js';
export { mergeConfig } from './merge.js';
