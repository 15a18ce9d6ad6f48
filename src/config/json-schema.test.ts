import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { publishedConfigSchema } from './file-shape.js';
import { configJsonSchema, unknownSettings } from './json-schema.js';

const PUBLISHED = fileURLToPath(new URL('../../schema/gatehouse.config.schema.json', import.meta.url));
const REGENERATE = 'npm run schema';

/** ajv (a dependency of the MCP SDK) in strict mode: it refuses a schema that is not valid 2020-12. */
function validatorOf(schema: object) {
  const ajv = new Ajv2020({ strict: true, allErrors: true, strictTypes: false });
  return ajv.compile(schema);
}

describe('the config file JSON Schema', () => {
  it('is committed and up to date with the zod schema', () => {
    const committed = readFileSync(PUBLISHED, 'utf8');
    const fresh = `${JSON.stringify(publishedConfigSchema(), null, 2)}\n`;
    // A stale file misleads every editor that uses it: regenerate it with the command in the message.
    expect(committed, `schema/gatehouse.config.schema.json is stale; run: ${REGENERATE}`).toBe(fresh);
  });

  it('is a valid draft 2020-12 schema that accepts real configs and refuses wrong ones', () => {
    const validate = validatorOf(publishedConfigSchema());
    const good = [
      {},
      { $schema: './node_modules/mcp-gatehouse/schema/gatehouse.config.schema.json', issuer: 'https://idp.example.com', publicUrl: 'https://mcp.example.com' },
      { audience: ['a', 'b'], scopes: { required: ['mcp:tools'], tools: { admin: ['mcp:admin'] } }, jwt: { clockToleranceSec: 10 } },
      { authority: { env: 'production', clients: [{ client_id: 'ci', client_secret: 's', custom_field: 1 }], registration: { dcr: 'token', initialAccessToken: 'x'.repeat(20) } } },
      { server: { port: 8080, host: '0.0.0.0', shutdownTimeoutSec: 5 }, log: { format: 'json', level: 'debug' } },
    ];
    for (const config of good) expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    const bad = [
      { isuer: 'https://idp.example.com' },
      { jwt: { clockToleranceSec: 'ten' } },
      { authority: { store: 'postgres' } },
      { scopes: { required: ['has space'] } },
      { server: { port: 70000 } },
      { log: { format: 'xml' } },
    ];
    for (const config of bad) expect(validate(config), JSON.stringify(config)).toBe(false);
  });

  it('names the env var of each setting that has one, for editors to show', () => {
    const schema = configJsonSchema() as { properties: Record<string, { description?: string; properties?: Record<string, { description?: string }> }> };
    expect(schema.properties.issuer!.description).toContain('OAUTH_ISSUER_URL');
    expect(schema.properties.authority!.properties!.stateDir!.description).toContain('GATEHOUSE_STATE_DIR');
    const published = publishedConfigSchema() as typeof schema;
    expect(published.properties.log!.properties!.format!.description).toContain('GATEHOUSE_LOG_FORMAT');
  });
});

describe('unknownSettings', () => {
  it('points at misspelt or misplaced settings, and leaves open maps alone', () => {
    const schema = publishedConfigSchema();
    expect(
      unknownSettings(
        {
          isuer: 'x',
          jwt: { clockTolerance: 1 },
          scopes: { tools: { any_tool_name: ['a'] } },
          discovery: { overrides: { anything: true } },
          authority: { clients: [{ client_id: 'a', extra_metadata: 1 }], cimd: { enable: true } },
          server: { prot: 1 },
        },
        schema,
      ),
    ).toEqual(['isuer', 'jwt.clockTolerance', 'authority.cimd.enable', 'server.prot']);
  });
});
