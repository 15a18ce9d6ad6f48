import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { checkConfigFile } from './file-check.js';
import { loadConfigFile } from './load-file.js';

function problemsOf(data: Record<string, unknown>): string {
  try {
    checkConfigFile('gatehouse.config.json', data);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('checkConfigFile accepted it');
}

describe('a config file with wrong values', () => {
  it('names the file and every problem at once, by key, with no env var and no zod text', () => {
    const message = problemsOf({
      mode: 'auth',
      scopes: { required: 'mcp:tools' },
      jwt: { cacheTtlSec: '60', requireAccessTokenType: 'true' },
      server: { port: 'abc' },
      proxy: { upstreamTimeoutSec: '30s' },
    });
    expect(message.split('\n')).toEqual([
      'Config file gatehouse.config.json has 6 problems:',
      '  - mode: must be one of "resource-server", "authority"',
      '  - scopes.required: expected a list, got a string; write it as a list: ["mcp:tools"]',
      '  - jwt.requireAccessTokenType: expected true or false, got a string; write true without quotes',
      '  - jwt.cacheTtlSec: expected a number, got a string; write the number without quotes: 60',
      '  - server.port: expected a number, got a string; write a number without quotes',
      '  - proxy.upstreamTimeoutSec: expected a number, got a string; write a number of seconds without quotes ("30s" and "10m" are for env vars and flags)',
    ]);
    expect(message).not.toMatch(/OAUTH_|GATEHOUSE_|Invalid input|received/);
  });

  it('splits a list written as one string the way the env vars do', () => {
    expect(problemsOf({ scopes: { required: 'mcp:tools, mcp:admin' } })).toContain('write it as a list: ["mcp:tools","mcp:admin"]');
  });

  it('never quotes the value of a secret back', () => {
    const message = problemsOf({ introspection: { clientId: 'gate', clientSecret: 123456 }, exchange: { clientSecret: ['hunter2'] } });
    expect(message).toContain('introspection.clientSecret: expected a string, got a number; put it in quotes');
    expect(message).not.toContain('123456');
    expect(message).not.toContain('hunter2');
  });

  it('says which kinds a setting accepts when it takes more than one', () => {
    expect(problemsOf({ audience: 5 })).toContain('audience: expected a string or a list, got a number');
  });

  it('leaves settings the file omits to the merged config: env vars or flags may set them', () => {
    // introspection needs clientId and clientSecret; OAUTH_INTROSPECTION_CLIENT_* may give them.
    expect(() => checkConfigFile('gatehouse.config.json', { introspection: { endpoint: 'https://idp.example.com/introspect' } })).not.toThrow();
    expect(() => checkConfigFile('gatehouse.config.json', {})).not.toThrow();
  });
});

describe('loadConfigFile on a file with wrong values', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-file-check-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('refuses a YAML file naming its path and each key', async () => {
    const file = join(dir, 'gatehouse.config.yaml');
    await writeFile(file, 'scopes:\n  required: mcp:tools\njwt:\n  clockToleranceSec: "5"\n');
    const err = await loadConfigFile(file).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `Config file ${file} has 2 problems:\n` +
        '  - scopes.required: expected a list, got a string; write it as a list: ["mcp:tools"]\n' +
        '  - jwt.clockToleranceSec: expected a number, got a string; write the number without quotes: 5',
    );
  });
});
