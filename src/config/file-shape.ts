import { ENV_NAMES, envNames } from './env.js';
import { configJsonSchema, type JsonSchema } from './json-schema.js';
import { LOG_ENV, logSectionSchema } from './sections/log.js';
import { METRICS_ENV, metricsSectionSchema } from './sections/metrics.js';
import { PROXY_ENV, proxySettingsSchema } from './sections/proxy.js';
import { SERVER_ENV, serverSectionSchema } from './sections/server.js';

/**
 * The config file's whole shape: the core config (gate, authority,
 * exchange) and the sections only the CLI's commands read (`server`, `log`,
 * `proxy`). A new section is one file in `sections/` with its schema and
 * env table, named here.
 */

/** The sections of the config file beside the core config, in the order the published schema lists them. */
export const CLI_SECTIONS = { server: serverSectionSchema.optional(), log: logSectionSchema.optional(), metrics: metricsSectionSchema.optional(), proxy: proxySettingsSchema.optional() };

/** The env vars of those sections, by setting path (`proxy.upstream`: `GATEHOUSE_UPSTREAM`). */
export const CLI_ENV_NAMES: Record<string, string> = envNames({ ...SERVER_ENV, ...LOG_ENV, ...METRICS_ENV, ...PROXY_ENV });

/** Every env var of the config file, by setting path. */
export const FILE_ENV_NAMES: Record<string, string> = { ...ENV_NAMES, ...CLI_ENV_NAMES };

/**
 * The JSON Schema of the config file as published in
 * `schema/gatehouse.config.schema.json` (`npm run schema` writes it).
 *
 * @example
 * ```ts
 * JSON.stringify(publishedConfigSchema(), null, 2);
 * ```
 */
export function publishedConfigSchema(): JsonSchema {
  return configJsonSchema(CLI_SECTIONS, CLI_ENV_NAMES);
}
