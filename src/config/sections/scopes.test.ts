import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../env.js';
import { resolveConfig } from '../resolve.js';

const base = { issuer: 'https://idp.example.com', publicUrl: 'https://mcp.example.com' };

describe('the scopes section: resources, prompts, hierarchies', () => {
  it('reads OAUTH_RESOURCE_SCOPES, OAUTH_PROMPT_SCOPES, OAUTH_SCOPE_HIERARCHY and GATEHOUSE_HEADER_CHECK', () => {
    const input = configFromEnv({
      OAUTH_RESOURCE_SCOPES: '{"file:///secret/*":["files:secret"],"docs://a?b=c;d":["docs:read"]}',
      OAUTH_PROMPT_SCOPES: 'review=prompts:review',
      OAUTH_SCOPE_HIERARCHY: 'mcp:admin=mcp:tools files:write;files:write=files:read',
      GATEHOUSE_HEADER_CHECK: 'always',
    });
    expect(resolveConfig({ ...base, ...input, scopes: { ...input.scopes } })).toMatchObject({
      headerCheck: 'always',
      scopes: {
        resources: { 'file:///secret/*': ['files:secret'], 'docs://a?b=c;d': ['docs:read'] },
        prompts: { review: ['prompts:review'] },
        implies: { 'mcp:admin': ['mcp:tools', 'files:write'], 'files:write': ['files:read'] },
      },
    });
  });

  it('refuses a cycle in the hierarchy at start-up, naming it and the env var', () => {
    expect(() => resolveConfig({ ...base, ...configFromEnv({ OAUTH_SCOPE_HIERARCHY: 'a=b;b=c;c=a' }) })).toThrow(
      /scopes\.implies\.a \(OAUTH_SCOPE_HIERARCHY\): scope hierarchy has a cycle: a implies b implies c implies a/,
    );
    expect(() => resolveConfig({ ...base, scopes: { implies: { 'mcp:admin': ['mcp:admin'] } } })).toThrow(/cycle: mcp:admin implies mcp:admin/);
  });

  it('refuses bad scopes, control characters in a pattern, an unknown headerCheck', () => {
    expect(() => resolveConfig({ ...base, scopes: { implies: { 'a b': ['c'] } } })).toThrow(/scopes\.implies/);
    expect(() => resolveConfig({ ...base, scopes: { prompts: { p: ['has space'] } } })).toThrow(/scopes\.prompts\.p\.0 \(OAUTH_PROMPT_SCOPES\)/);
    expect(() => resolveConfig({ ...base, scopes: { resources: { 'file:///a\nb': ['x'] } } })).toThrow(/no control characters/);
    expect(() => resolveConfig({ ...base, headerCheck: 'never' as never })).toThrow(/headerCheck \(GATEHOUSE_HEADER_CHECK\)/);
  });

  it('advertises resource and prompt scopes in scopes_supported by default', async () => {
    const { supportedScopes } = await import('../../documents/protected-resource.js');
    const config = resolveConfig({ ...base, scopes: { required: ['mcp'], tools: { t: ['a'] }, resources: { 'x://*': ['b'] }, prompts: { p: ['c'] }, implies: { admin: ['a'] } } });
    expect(supportedScopes(config)).toEqual(['mcp', 'a', 'b', 'c']);
  });
});
