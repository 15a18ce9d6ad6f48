import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { resolveRuntimeSettings } from './server.js';
import { metricsAddress } from './metrics.js';

describe('the metrics address (GATEHOUSE_METRICS_ADDR)', () => {
  it('is off unless given', () => {
    expect(metricsAddress(undefined)).toBeUndefined();
    expect(metricsAddress({ addr: ' ' })).toBeUndefined();
    expect(resolveRuntimeSettings({}, {}).metrics).toBeUndefined();
  });

  it('takes loopback host:port in every spelling', () => {
    expect(metricsAddress({ addr: '127.0.0.1:9464' })).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(metricsAddress({ addr: '[::1]:9464' })).toEqual({ host: '::1', port: 9464 });
    expect(metricsAddress({ addr: 'localhost:0' })).toEqual({ host: 'localhost', port: 0 });
    expect(resolveRuntimeSettings({}, { GATEHOUSE_METRICS_ADDR: '127.0.0.1:9464' }).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(resolveRuntimeSettings({ metrics: { addr: '[::1]:9100' } }, {}).metrics).toEqual({ host: '::1', port: 9100 });
  });

  it('refuses a non-loopback address without the explicit opt-in, naming it', () => {
    expect(() => metricsAddress({ addr: '0.0.0.0:9464' })).toThrow(ConfigError);
    expect(() => resolveRuntimeSettings({}, { GATEHOUSE_METRICS_ADDR: '10.0.0.5:9464' })).toThrow(/GATEHOUSE_METRICS_ALLOW_REMOTE/);
    expect(resolveRuntimeSettings({}, { GATEHOUSE_METRICS_ADDR: '0.0.0.0:9464', GATEHOUSE_METRICS_ALLOW_REMOTE: 'true' }).metrics).toEqual({ host: '0.0.0.0', port: 9464 });
  });

  it.each(['9464', ':9464', '127.0.0.1', '127.0.0.1:99999', 'http://127.0.0.1:9464', '127.0.0.1:9464/metrics', '[::1:9464'])('refuses %s as not host:port', (addr) => {
    expect(() => metricsAddress({ addr })).toThrow(/is not host:port/);
  });

  it('refuses a wrong type in the config file with the schema message', () => {
    expect(() => resolveRuntimeSettings({ metrics: { addr: 9464 } }, {})).toThrow(ConfigError);
  });
});
