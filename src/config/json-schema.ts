import { z } from 'zod';
import { ENV_NAMES } from './env.js';
import { configSchema } from './schema.js';

/** Where the published schema lives, for `"$schema"` in config files. */
const CONFIG_SCHEMA_ID = 'https://unpkg.com/mcp-gatehouse/schema/gatehouse.config.schema.json';

export type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; items?: JsonSchema; anyOf?: JsonSchema[] };

/**
 * Editors flag misspelt settings only when objects say which keys exist;
 * zod's input schemas leave `additionalProperties` open. Objects that
 * accept anything (`.loose()`, records) already say so and are kept.
 * Each setting that an env var also sets names it in its description.
 */
function annotate(node: JsonSchema, path: string[], envNames: Record<string, string>): void {
  const env = envNames[path.join('.')];
  if (env && path.length > 0) node.description = `${typeof node.description === 'string' ? `${node.description} ` : ''}Env: ${env}.`;
  if (node.type === 'object' && node.properties && !('additionalProperties' in node)) node.additionalProperties = false;
  for (const [key, child] of Object.entries(node.properties ?? {})) annotate(child, [...path, key], envNames);
  if (node.items) annotate(node.items, path, envNames);
  for (const option of node.anyOf ?? []) annotate(option, path, envNames);
}

/**
 * The JSON Schema (draft 2020-12) of Gatehouse's config file, generated
 * from the zod schema, for editors: `"$schema":
 * "./node_modules/mcp-gatehouse/schema/gatehouse.config.schema.json"` in
 * `gatehouse.config.json` (or `# yaml-language-server: $schema=...` in
 * YAML) gives completion and checks. `extraSections` adds top-level
 * sections read by CLI commands outside the core config (`server`, `log`,
 * `proxy`), `extraEnvNames` the env vars that set them.
 *
 * @example
 * ```ts
 * const schema = configJsonSchema();
 * schema.properties.issuer; // { type: 'string', description: 'Env: OAUTH_ISSUER_URL.' }
 * ```
 */
export function configJsonSchema(extraSections: Record<string, z.ZodType> = {}, extraEnvNames: Record<string, string> = {}): JsonSchema {
  const shape = z.object({ ...configSchema.shape, ...extraSections });
  const schema = z.toJSONSchema(shape, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  annotate(schema, [], { ...ENV_NAMES, ...extraEnvNames });
  const { $schema, ...rest } = schema;
  return {
    $schema,
    $id: CONFIG_SCHEMA_ID,
    title: 'Gatehouse config',
    description: 'gatehouse.config.json / .yaml: settings of Gatehouse (mcp-gatehouse). Env vars override them; command-line flags override both.',
    ...rest,
    properties: { $schema: { type: 'string', description: 'The JSON Schema of this file, for editors.' }, ...(rest.properties ?? {}) },
  };
}

/**
 * The settings of a config file that the schema does not know (misspelt or
 * misplaced), as dotted paths. Gatehouse ignores them, which is why
 * `gatehouse config check` points them out.
 *
 * @example
 * ```ts
 * unknownSettings({ issuer: 'https://idp.example.com', scope: ['mcp'] }, configJsonSchema()); // ['scope']
 * ```
 */
export function unknownSettings(value: unknown, schema: JsonSchema, path: string[] = []): string[] {
  if (Array.isArray(value)) {
    return schema.items ? value.flatMap((item, i) => unknownSettings(item, schema.items!, [...path, String(i)])) : [];
  }
  if (typeof value !== 'object' || value === null) return [];
  const options = schema.anyOf?.filter((option) => option.type === 'object');
  if (options?.length) return unknownSettings(value, options[0]!, path);
  if (schema.type !== 'object' || !schema.properties) return [];
  const found: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const known = schema.properties[key];
    if (known) found.push(...unknownSettings(child, known, [...path, key]));
    else if (schema.additionalProperties === false) found.push([...path, key].join('.'));
  }
  return found;
}
