import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { createLogger } from './logger.js';
import { REDACTED, isSecretName, redact, redactString } from './redact.js';
import { loggerFromSettings, wantsColor } from './settings.js';

const fixedClock = () => new Date('2026-03-04T12:04:05.120Z');

function collect() {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

// A real-looking JWT (header.payload.signature); none of these parts may survive.
const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsImF1ZCI6Im1jcCJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtMTIzNDU2Nzg5MA';
const OPAQUE = 'Q9xV3bT7kLmN2pR8sW4yZ1aC6dF0gH5jK3';

describe('createLogger', () => {
  it('writes one JSON object per line with time, level, msg and the fields', () => {
    const out = collect();
    const log = createLogger({ write: out.write, now: fixedClock, fields: { component: 'test' } });
    log.info('listening', { port: 3000, addresses: ['127.0.0.1'] });
    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0]!)).toEqual({
      time: '2026-03-04T12:04:05.120Z',
      level: 'info',
      msg: 'listening',
      component: 'test',
      port: 3000,
      addresses: ['127.0.0.1'],
    });
  });

  it('writes a BigInt field as its digits', () => {
    const out = collect();
    createLogger({ write: out.write, now: fixedClock }).info('sent', { bytes: 12345678901234567890n, path: '/mcp' });
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ msg: 'sent', bytes: '12345678901234567890', path: '/mcp' });
  });

  it('drops records below its level, and writes nothing when silent', () => {
    const out = collect();
    const log = createLogger({ write: out.write, level: 'warn' });
    log.debug('a');
    log.info('b');
    log.warn('c');
    log.error('d');
    expect(out.lines.map((l) => JSON.parse(l).msg)).toEqual(['c', 'd']);
    expect(log.enabled('info')).toBe(false);
    const silent = createLogger({ write: out.write, level: 'silent' });
    silent.error('nobody hears this');
    expect(out.lines).toHaveLength(2);
  });

  it('children add their fields; a field cannot change the level', () => {
    const out = collect();
    const log = createLogger({ write: out.write }).child({ component: 'proxy' }).child({ upstream: 'http://127.0.0.1:9/mcp' });
    log.warn('slow', { level: 'debug', latencyMs: 812 });
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: 'warn', component: 'proxy', upstream: 'http://127.0.0.1:9/mcp', latencyMs: 812 });
  });

  it('never writes a token or secret, wherever it hides', () => {
    const out = collect();
    const log = createLogger({ write: out.write, level: 'debug' });
    log.info('request', {
      headers: { authorization: `Bearer ${JWT}`, cookie: `sid=${OPAQUE}`, accept: 'application/json' },
      clientSecret: 'hunter2-but-longer',
      note: `the client sent Bearer ${OPAQUE} and ${JWT}`,
      redisUrl: 'redis://app:p4ssw0rd@cache:6379/0',
      callback: `http://127.0.0.1:33418/callback?code=${OPAQUE}&state=xyz`,
      err: new Error(`verification failed for ${JWT}`),
    });
    const line = out.lines.join('\n');
    for (const secret of [JWT, OPAQUE, 'hunter2-but-longer', 'p4ssw0rd', JWT.split('.')[1]!]) expect(line).not.toContain(secret);
    const record = JSON.parse(line);
    expect(record.headers).toEqual({ accept: 'application/json' });
    expect(record.clientSecret).toBe(REDACTED);
    expect(record.redisUrl).toBe(`redis://app:${REDACTED}@cache:6379/0`);
    expect(record.callback).toBe(`http://127.0.0.1:33418/callback?code=${REDACTED}&state=xyz`);
    expect(record.err).toEqual({ name: 'Error', message: `verification failed for ${REDACTED}` });
  });

  it('writes readable lines in pretty format, colored only when asked', () => {
    const out = collect();
    const plain = createLogger({ write: out.write, format: 'pretty', now: fixedClock });
    plain.info('request', { method: 'POST', path: '/mcp', status: 401, decision: 'challenged', latencyMs: 3.2, requestId: 'r1' });
    plain.warn('no users yet', { usersFile: '/var/lib/gatehouse/users.json' });
    expect(out.lines).toEqual([
      '12:04:05.120 INFO  POST /mcp 401 challenged 3.2ms requestId=r1',
      '12:04:05.120 WARN  no users yet usersFile=/var/lib/gatehouse/users.json',
    ]);
    expect(out.lines.join('')).not.toContain('\x1b[');
    createLogger({ write: out.write, format: 'pretty', color: true }).error('boom');
    expect(out.lines[2]).toContain('\x1b[31m');
  });
});

describe('redact', () => {
  it('catches each shape however short the string, and a 32-character random run however little else it holds', () => {
    // The fast paths skip the structured rules without whitespace, '.', ':' or '=', and the random-run rule under 32 characters.
    expect(redactString('Bearer x')).toBe(`Bearer ${REDACTED}`);
    expect(redactString('eyJab.c')).toBe(REDACTED);
    expect(redactString('a://u:p@h')).toBe(`a://u:${REDACTED}@h`);
    expect(redactString('?code=1')).toBe(`?code=${REDACTED}`);
    expect(redactString(OPAQUE.slice(0, 32))).toBe(REDACTED);
    expect(redactString(OPAQUE.slice(0, 31))).toBe(OPAQUE.slice(0, 31));
  });

  it('knows which names hold secrets', () => {
    for (const name of ['clientSecret', 'client_secret', 'initialAccessToken', 'refresh_token', 'password', 'Authorization', 'x-api-key']) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of ['token_endpoint_auth_method', 'maxTokenBytes', 'accessTokenTtlSec', 'clientId', 'requireAccessTokenType']) {
      expect(isSecretName(name), name).toBe(false);
    }
  });

  it('keeps what is not a secret: ids, paths, URLs, words', () => {
    const safe = {
      requestId: '550e8400-e29b-41d4-a716-446655440000',
      path: '/.well-known/oauth-protected-resource/mcp',
      client_id: 'https://app.example.com/oauth/client-metadata.json',
      message: 'refresh token rotated for client V1StGXR8_Z5jdHi6B-myT',
      // Identifiers may be long and random (a DCR client_id) without being secrets.
      clientId: 'Ekr_Idj-q3DiVFGS-4jMBZyt_olk3CYtOuDwsBB_1ga',
      subject: 'auth0|65f1c2a9b8e4d7f3a1b2c3d4e5f60718',
    };
    expect(redact(safe)).toEqual(safe);
    // ...but the same string in free text is treated as the token it may be, and a JWT is a JWT anywhere.
    expect(redactString(`client Ekr_Idj-q3DiVFGS-4jMBZyt_olk3CYtOuDwsBB_1ga`)).toBe(`client ${REDACTED}`);
    expect(redact({ clientId: JWT })).toEqual({ clientId: REDACTED });
    expect(redactString('Basic dXNlcjpwYXNz')).toBe(`Basic ${REDACTED}`);
  });

  it('survives cycles and leaves the input alone', () => {
    const input: Record<string, unknown> = { password: 'x', nested: { token: 'y' } };
    input.self = input;
    expect(redact(input)).toEqual({ password: REDACTED, nested: { token: REDACTED }, self: '[circular]' });
    expect(input.password).toBe('x');
  });
});

describe('loggerFromSettings', () => {
  it('is JSON off a terminal and pretty on one, unless told', () => {
    expect(loggerFromSettings({}, { isTTY: false, env: {} }).format).toBe('json');
    expect(loggerFromSettings({}, { isTTY: true, env: {} }).format).toBe('pretty');
    expect(loggerFromSettings({ format: 'pretty' }, { isTTY: false, env: {} }).format).toBe('pretty');
    expect(loggerFromSettings({ format: 'json', level: 'debug' }, { isTTY: true, env: {} })).toMatchObject({ format: 'json', level: 'debug' });
  });

  it('respects NO_COLOR and TERM=dumb', () => {
    expect(wantsColor(true, {})).toBe(true);
    expect(wantsColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor(true, { TERM: 'dumb' })).toBe(false);
    expect(wantsColor(false, {})).toBe(false);
    const out = collect();
    loggerFromSettings({}, { isTTY: true, env: { NO_COLOR: '1' }, write: out.write }).error('plain');
    expect(out.lines[0]).not.toContain('\x1b[');
  });

  it('names the setting when a value is wrong', () => {
    expect(() => loggerFromSettings({ format: 'xml' as 'json' })).toThrow(ConfigError);
    expect(() => loggerFromSettings({ level: 'loud' as 'info' })).toThrow(/GATEHOUSE_LOG_LEVEL.*"loud"|"loud".*debug, info/);
  });
});
