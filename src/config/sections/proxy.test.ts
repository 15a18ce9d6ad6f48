import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { proxySettingsFromEnv, resolveProxySettings } from './proxy.js';
import { parseDuration } from '../values.js';

describe('proxy settings', () => {
  it('fills in defaults', () => {
    expect(resolveProxySettings({ upstream: 'http://127.0.0.1:8080/mcp' })).toMatchObject({
      upstreamTimeoutSec: 120,
      connectTimeoutSec: 10,
      assertionTtlSec: 60,
      shared: false,
      idleTimeoutSec: 600,
      restartBackoffMaxSec: 30,
      passEnv: [],
      env: {},
    });
  });

  it('reads env vars, durations with units included', () => {
    expect(
      proxySettingsFromEnv({
        GATEHOUSE_UPSTREAM: 'http://127.0.0.1:8080/mcp',
        GATEHOUSE_UPSTREAM_TIMEOUT: '500ms',
        GATEHOUSE_IDLE_TIMEOUT: '10m',
        GATEHOUSE_PROXY_SHARED: 'yes',
        GATEHOUSE_TRUST_UPSTREAM: 'false',
        GATEHOUSE_PASS_ENV: 'A, B C',
        GATEHOUSE_ENV_SUBJECT: ' ',
      }),
    ).toEqual({ upstream: 'http://127.0.0.1:8080/mcp', upstreamTimeoutSec: 0.5, idleTimeoutSec: 600, shared: true, trustUpstream: false, passEnv: ['A', 'B', 'C'] });
    expect(proxySettingsFromEnv({ GATEHOUSE_PROXY_COMMAND: '["node", "server with space.js"]' }).command).toEqual(['node', 'server with space.js']);
    expect(proxySettingsFromEnv({ GATEHOUSE_PROXY_COMMAND: 'npx -y pkg' }).command).toEqual(['npx', '-y', 'pkg']);
  });

  it('caps the sessions per user at 50 unless told otherwise, and names the setting when wrong', () => {
    expect(resolveProxySettings({ upstream: 'http://127.0.0.1:8080/mcp' }).maxSessionsPerUser).toBe(50);
    expect(proxySettingsFromEnv({ GATEHOUSE_MAX_SESSIONS_PER_USER: '5' })).toEqual({ maxSessionsPerUser: 5 });
    expect(() => proxySettingsFromEnv({ GATEHOUSE_MAX_SESSIONS_PER_USER: 'lots' })).toThrow('GATEHOUSE_MAX_SESSIONS_PER_USER="lots" is not a whole number');
    expect(() => resolveProxySettings({ upstream: 'http://x/mcp', maxSessionsPerUser: 0 })).toThrow('proxy.maxSessionsPerUser (GATEHOUSE_MAX_SESSIONS_PER_USER)');
  });

  it('parses durations, and refuses what is not one', () => {
    expect(parseDuration('30', 'x')).toBe(30);
    expect(parseDuration('1.5h', 'x')).toBe(5400);
    expect(() => parseDuration('soon', '--idle-timeout')).toThrow(ConfigError);
  });

  it('names each wrong setting with its env var', () => {
    expect(() => resolveProxySettings({ upstream: 'ftp://x/mcp' })).toThrow('proxy.upstream (GATEHOUSE_UPSTREAM): must be an http: or https: URL');
    expect(() => resolveProxySettings({ upstream: 'http://x/mcp', command: ['node'] })).toThrow('either an upstream URL or a command');
    expect(() => resolveProxySettings({ command: ['node'], shared: true, envSubject: 'USER_ID' })).toThrow('proxy.envSubject (GATEHOUSE_ENV_SUBJECT)');
    expect(() => resolveProxySettings({ command: ['node'], passEnv: ['NOT-A-NAME'] })).toThrow('proxy.passEnv (GATEHOUSE_PASS_ENV)');
  });
});
