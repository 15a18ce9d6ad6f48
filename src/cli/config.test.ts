import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from './io.js';
import { runCli } from './run.js';

function capture(): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += `${text}\n`),
    err: (text) => void (err += `${text}\n`),
    stdout: () => out,
    stderr: () => err,
  };
}

const SECRETS = {
  introspection: 'intro-S3cret-value-0001',
  dcrToken: 'dcr-initial-access-token-0002',
  clientSecret: 'client-secret-value-0003',
  redisPassword: 'redis-pa55word-0004',
  envSecret: 'env-intro-S3cret-0005',
};

/** Runs `gatehouse config ...` with only the given env vars (plus NO_COLOR). */
async function config(args: string[], env: Record<string, string> = {}) {
  const io = capture();
  const code = await runCli(['config', ...args], { NO_COLOR: '1', GATEHOUSE_CONFIG: '', ...env }, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('gatehouse config check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-config-check-'));
    await writeFile(
      join(dir, 'layers.yaml'),
      [
        'issuer: https://file.example.com',
        'audience: file-audience',
        'publicUrl: https://file-mcp.example.com',
        'scopes:',
        '  required: [file:scope]',
        'server:',
        '  port: 4100',
        '  shutdownTimeoutSec: 3',
        'log:',
        '  level: warn',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'secrets.json'),
      JSON.stringify({
        $schema: '../schema/gatehouse.config.schema.json',
        publicUrl: 'https://mcp.example.com',
        introspection: { clientId: 'rs', clientSecret: SECRETS.introspection },
        authority: {
          store: 'redis',
          redisUrl: `redis://gatehouse:${SECRETS.redisPassword}@cache.internal:6379/0`,
          registration: { dcr: 'token', initialAccessToken: SECRETS.dcrToken },
          clients: [{ client_id: 'machine', client_secret: SECRETS.clientSecret, redirect_uris: [] }],
        },
      }),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints the effective settings with where each came from: flags over env over file', async () => {
    const { code, out } = await config(['check', '--config', join(dir, 'layers.yaml'), '--public-url', 'https://flag-mcp.example.com', '--port', '4300', '--json'], {
      OAUTH_AUDIENCE: 'env-audience',
      PUBLIC_URL: 'https://env-mcp.example.com',
      PORT: '4200',
      GATEHOUSE_LOG_FORMAT: 'json',
    });
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ ok: true, mode: 'resource-server', file: join(dir, 'layers.yaml'), unknown: [] });
    expect(result.config).toMatchObject({
      issuer: 'https://file.example.com',
      audience: 'env-audience',
      publicUrl: 'https://flag-mcp.example.com',
      scopes: { required: ['file:scope'] },
      path: '/mcp',
      server: { port: 4300, host: 'localhost', shutdownTimeoutSec: 3 },
      log: { format: 'json', level: 'warn' },
    });
    expect(result.sources).toMatchObject({
      issuer: 'file',
      audience: 'env OAUTH_AUDIENCE',
      publicUrl: 'flag --public-url',
      'scopes.required': 'file',
      path: 'default',
      'server.port': 'flag --port',
      'server.shutdownTimeoutSec': 'file',
      'log.format': 'env GATEHOUSE_LOG_FORMAT',
      'log.level': 'file',
    });
  });

  it('reads text by default: one setting a line, with its origin', async () => {
    const { code, out } = await config(['check', '--config', join(dir, 'layers.yaml')], { OAUTH_AUDIENCE: 'env-audience' });
    expect(code).toBe(0);
    expect(out).toMatch(/^Config OK: resource-server mode; file .*layers\.yaml$/m);
    expect(out).toMatch(/^ {2}issuer +https:\/\/file\.example\.com {2}\(file\)$/m);
    expect(out).toMatch(/^ {2}audience +env-audience {2}\(env OAUTH_AUDIENCE\)$/m);
    expect(out).toMatch(/^ {2}jwt\.clockToleranceSec +30 {2}\(default\)$/m);
  });

  it('never prints a secret, from the file or the environment, in text or JSON', async () => {
    const env = { OAUTH_INTROSPECTION_CLIENT_SECRET: SECRETS.envSecret };
    const text = await config(['check', '--config', join(dir, 'secrets.json')], env);
    const json = await config(['check', '--config', join(dir, 'secrets.json'), '--json'], env);
    expect(text.code).toBe(0);
    expect(json.code).toBe(0);
    for (const secret of Object.values(SECRETS)) {
      expect(text.out + text.err).not.toContain(secret);
      expect(json.out + json.err).not.toContain(secret);
    }
    const { config: shown, sources } = JSON.parse(json.out);
    expect(shown.introspection.clientSecret).toBe('[redacted]');
    expect(sources['introspection.clientSecret']).toBe('env OAUTH_INTROSPECTION_CLIENT_SECRET');
    expect(shown.authority.registration.initialAccessToken).toBe('[redacted]');
    expect(shown.authority.clients[0]).toMatchObject({ client_id: 'machine', client_secret: '[redacted]' });
    expect(shown.authority.redisUrl).toBe('redis://gatehouse:[redacted]@cache.internal:6379/0');
  });

  it('exits 1 with the reason when the settings are wrong, and still hides secrets', async () => {
    await writeFile(join(dir, 'wrong.json'), JSON.stringify({ publicUrl: 'https://mcp.example.com', jwt: { clockToleranceSec: 'ten' }, authority: { redisUrl: `redis://u:${SECRETS.redisPassword}@h` } }));
    const wrong = await config(['check', '--config', join(dir, 'wrong.json')]);
    expect(wrong.code).toBe(1);
    // A value from the file is told by the file and its key, not by an env var the user never set.
    expect(wrong.err).toContain(`gatehouse config check: Config file ${join(dir, 'wrong.json')} has 1 problem:\n  - jwt.clockToleranceSec: expected a number, got a string`);
    expect(wrong.out).toBe('');

    await writeFile(join(dir, 'short.json'), JSON.stringify({ publicUrl: 'https://mcp.example.com', authority: { registration: { initialAccessToken: 'tiny-secret' } } }));
    const short = await config(['check', '--config', join(dir, 'short.json'), '--json']);
    expect(short.code).toBe(1);
    expect(JSON.parse(short.out)).toMatchObject({ ok: false, code: 'ERR_CONFIG_INVALID' });
    expect(short.out).toContain('authority.registration.initialAccessToken: expected an initial access token of at least 16 characters');
    expect(short.out).not.toContain('tiny-secret');
    // The same value from an env var is told by that variable.
    const shortEnv = await config(['check', '--json'], { PUBLIC_URL: 'https://mcp.example.com', GATEHOUSE_DCR_INITIAL_ACCESS_TOKEN: 'tiny-secret' });
    expect(shortEnv.code).toBe(1);
    expect(shortEnv.out).toContain('authority.registration.initialAccessToken (GATEHOUSE_DCR_INITIAL_ACCESS_TOKEN)');
    expect(shortEnv.out).not.toContain('tiny-secret');

    // A value quoted in a message is passed through the redactor: a token pasted in the wrong place stays hidden.
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLTEyMzQ1Njc4OTA';
    const badIssuer = await config(['check', '--issuer', `not a url ${jwt}`, '--json']);
    expect(badIssuer.code).toBe(1);
    expect(JSON.parse(badIssuer.out).error).toMatch(/issuer \(OAUTH_ISSUER_URL\): "not a url \[redacted\]" is not an absolute URL/);
    expect(badIssuer.out).not.toContain(jwt.split('.')[1]);

    const badEnv = await config(['check', '--config', join(dir, 'layers.yaml')], { PORT: 'eighty' });
    expect(badEnv.code).toBe(1);
    expect(badEnv.err).toContain('PORT="eighty" is not a port number');

    const badLog = await config(['check', '--config', join(dir, 'layers.yaml'), '--log-format', 'xml']);
    expect(badLog.code).toBe(1);
    expect(badLog.err).toContain('"xml": use one of json, pretty, auto');
  });

  it('exits 1 on a setting it does not know, naming it', async () => {
    await writeFile(join(dir, 'typo.yaml'), 'publicUrl: https://mcp.example.com\nisuer: https://idp.example.com\nauthority:\n  cimd:\n    enable: false\n');
    const { code, out } = await config(['check', '--config', join(dir, 'typo.yaml')]);
    expect(code).toBe(1);
    expect(out).toContain('unknown setting "isuer"');
    expect(out).toContain('unknown setting "authority.cimd.enable"');
    expect(out).toMatch(/^Config has 2 unknown setting\(s\): /m);
    expect(out).not.toContain('Config OK');
  });

  it('exits 1 on an OAUTH_*/GATEHOUSE_* variable no setting reads, naming the closest known one', async () => {
    const { code, out } = await config(['check'], { OAUTH_ISSUER: 'https://idp.example.com', GATEHOUSE_SINGIN_ADDRESS_BURST: '5', GATEHOUSE_ZZZ: '1' });
    expect(code).toBe(1);
    expect(out).toMatch(/^Config has 3 unknown setting\(s\): /m);
    expect(out).toContain('unknown environment variable OAUTH_ISSUER (ignored: did you mean OAUTH_ISSUER_URL?)');
    expect(out).toContain('unknown environment variable GATEHOUSE_SINGIN_ADDRESS_BURST (ignored: did you mean GATEHOUSE_SIGNIN_ADDRESS_BURST?)');
    expect(out).toContain('unknown environment variable GATEHOUSE_ZZZ (ignored: no setting reads it)');
    const json = await config(['check', '--json'], { OAUTH_ISSUER: 'https://idp.example.com', GATEHOUSE_CONFIG: '' });
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, unknownEnv: [{ name: 'OAUTH_ISSUER', closest: 'OAUTH_ISSUER_URL' }] });
    expect((await config(['check'], { OAUTH_ISSUER_URL: '' })).code).toBe(0);
  });

  it('checks and shows the proxy section too, with its env vars', async () => {
    await writeFile(join(dir, 'proxy.yaml'), 'publicUrl: https://mcp.example.com\nproxy:\n  upstream: http://127.0.0.1:8080/mcp\n  upstreamTimeoutSec: 30\n');
    const ok = await config(['check', '--config', join(dir, 'proxy.yaml'), '--json'], { GATEHOUSE_UPSTREAM_TIMEOUT: '45s' });
    expect(ok.code).toBe(0);
    const result = JSON.parse(ok.out);
    expect(result.config.proxy).toMatchObject({ upstream: 'http://127.0.0.1:8080/mcp', upstreamTimeoutSec: 45, shared: false });
    expect(result.sources).toMatchObject({ 'proxy.upstream': 'file', 'proxy.upstreamTimeoutSec': 'env GATEHOUSE_UPSTREAM_TIMEOUT', 'proxy.shared': 'default' });

    await writeFile(join(dir, 'proxy-wrong.yaml'), 'publicUrl: https://mcp.example.com\nproxy:\n  upstream: ftp://127.0.0.1/mcp\n');
    const wrong = await config(['check', '--config', join(dir, 'proxy-wrong.yaml')]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('upstream');
    await writeFile(join(dir, 'proxy-typo.yaml'), 'publicUrl: https://mcp.example.com\nproxy:\n  upstreem: http://127.0.0.1:8080/mcp\n');
    expect((await config(['check', '--config', join(dir, 'proxy-typo.yaml')])).out).toContain('unknown setting "proxy.upstreem"');
  });

  it('exits 1 on a file it cannot read or parse', async () => {
    await writeFile(join(dir, 'broken.yaml'), 'issuer: [\n');
    expect((await config(['check', '--config', join(dir, 'broken.yaml')])).err).toMatch(/is not valid YAML/);
    expect((await config(['check', '--config', join(dir, 'missing.json')])).code).toBe(1);
  });

  it('finds gatehouse.config.yaml in the working directory without being told', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'gatehouse-config-cwd-'));
    await writeFile(join(cwd, 'gatehouse.config.yaml'), 'issuer: https://found.example.com\npublicUrl: https://mcp.example.com\n');
    const previous = process.cwd();
    process.chdir(cwd);
    try {
      const io = capture();
      expect(await runCli(['config', 'check', '--json'], { NO_COLOR: '1' }, io)).toBe(0);
      expect(JSON.parse(io.stdout())).toMatchObject({ file: join(cwd, 'gatehouse.config.yaml'), config: { issuer: 'https://found.example.com' } });
    } finally {
      process.chdir(previous);
      await rm(cwd, { recursive: true, force: true });
    }
  });
});

describe('gatehouse config (usage)', () => {
  it('prints help with examples, and the schema', async () => {
    const help = await config(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Examples:\n  gatehouse config check');
    const schema = await config(['schema']);
    expect(schema.code).toBe(0);
    expect(JSON.parse(schema.out)).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'Gatehouse config' });
  });

  it('exits 2 on a wrong command or flag', async () => {
    expect((await config([])).code).toBe(2);
    expect((await config(['validate'])).code).toBe(2);
    expect((await config(['check', '--nope'])).code).toBe(2);
  });
});
