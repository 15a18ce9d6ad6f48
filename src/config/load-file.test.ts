import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { configFilePath, findConfigFile, loadConfigFile } from './load-file.js';
import { resolveConfig } from './resolve.js';

const JSON_FILE = {
  $schema: './node_modules/mcp-gatehouse/schema/gatehouse.config.schema.json',
  issuer: 'https://idp.example.com/realms/main',
  publicUrl: 'https://mcp.example.com',
  scopes: { required: ['mcp:tools'], tools: { delete_file: ['files:write'] } },
  authority: { registration: { dcr: 'off' } },
};

const YAML_FILE = `# yaml-language-server: $schema=./node_modules/mcp-gatehouse/schema/gatehouse.config.schema.json
$schema: ./node_modules/mcp-gatehouse/schema/gatehouse.config.schema.json
issuer: https://idp.example.com/realms/main
publicUrl: https://mcp.example.com
scopes:
  required: [mcp:tools]
  tools:
    delete_file:
      - files:write
authority:
  registration:
    dcr: "off"
`;

describe('loadConfigFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-config-file-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads JSON and YAML into the same settings, without $schema', async () => {
    await writeFile(join(dir, 'a.json'), JSON.stringify(JSON_FILE));
    await writeFile(join(dir, 'a.yaml'), YAML_FILE);
    await writeFile(join(dir, 'a.yml'), YAML_FILE);
    const fromJson = await loadConfigFile(join(dir, 'a.json'));
    const { $schema: _editorsOnly, ...expected } = JSON_FILE;
    expect(fromJson).toEqual(expected);
    expect(await loadConfigFile(join(dir, 'a.yaml'))).toEqual(fromJson);
    expect(await loadConfigFile(join(dir, 'a.yml'))).toEqual(fromJson);
    expect(resolveConfig(fromJson).scopes.tools).toEqual({ delete_file: ['files:write'] });
  });

  it('keeps YAML words as words (1.2 core schema: no, on stay strings)', async () => {
    await writeFile(join(dir, 'words.yaml'), 'resourceName: no\nscopes:\n  required: [on, "off"]\n');
    expect(await loadConfigFile(join(dir, 'words.yaml'))).toEqual({ resourceName: 'no', scopes: { required: ['on', 'off'] } });
  });

  it('explains broken YAML with its line, and refuses what is not a mapping', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'issuer: https://idp.example.com\n  publicUrl: [unclosed\n');
    await expect(loadConfigFile(join(dir, 'bad.yaml'))).rejects.toThrow(/Config file .*bad\.yaml is not valid YAML: .*line \d+, column \d+/s);
    await writeFile(join(dir, 'dup.yaml'), 'issuer: a\nissuer: b\n');
    await expect(loadConfigFile(join(dir, 'dup.yaml'))).rejects.toThrow(ConfigError);
    await writeFile(join(dir, 'list.yml'), '- issuer: a\n');
    await expect(loadConfigFile(join(dir, 'list.yml'))).rejects.toThrow(/must hold a YAML mapping/);
    await writeFile(join(dir, 'empty.yaml'), '');
    await expect(loadConfigFile(join(dir, 'empty.yaml'))).rejects.toThrow(/must hold a YAML mapping/);
  });

  it('refuses a YAML alias bomb instead of expanding it', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    await writeFile(join(dir, 'bomb.yaml'), `${lines.join('\n')}\n`);
    await expect(loadConfigFile(join(dir, 'bomb.yaml'))).rejects.toThrow(/not valid YAML: .*alias/i);
  });
});

describe('which config file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-config-find-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds gatehouse.config.json, .yaml or .yml in the working directory, JSON first', async () => {
    expect(findConfigFile(dir)).toBeUndefined();
    await writeFile(join(dir, 'gatehouse.config.yml'), 'path: /yml\n');
    expect(findConfigFile(dir)).toBe(join(dir, 'gatehouse.config.yml'));
    await writeFile(join(dir, 'gatehouse.config.yaml'), 'path: /yaml\n');
    expect(findConfigFile(dir)).toBe(join(dir, 'gatehouse.config.yaml'));
    await writeFile(join(dir, 'gatehouse.config.json'), '{"path":"/json"}');
    expect(findConfigFile(dir)).toBe(join(dir, 'gatehouse.config.json'));
  });

  it('prefers --config, then GATEHOUSE_CONFIG (empty: no file), then the search', async () => {
    await writeFile(join(dir, 'gatehouse.config.json'), '{}');
    expect(configFilePath('flag.yaml', { GATEHOUSE_CONFIG: 'env.yaml' }, dir)).toBe('flag.yaml');
    expect(configFilePath(undefined, { GATEHOUSE_CONFIG: 'env.yaml' }, dir)).toBe('env.yaml');
    expect(configFilePath(undefined, { GATEHOUSE_CONFIG: '' }, dir)).toBeUndefined();
    expect(configFilePath(undefined, {}, dir)).toBe(join(dir, 'gatehouse.config.json'));
  });
});
