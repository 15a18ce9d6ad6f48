import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { checkSettingNames } from './server-settings.js';
import { runDemo } from './demo.js';
import { runProxy } from './proxy.js';
import { unknownFileSettings, unknownSettingLines } from '../config/unknown-settings.js';

const silentIo = { out: () => {}, err: () => {} };

describe('unknown settings', () => {
  it('names the closest known key of the config file, at any depth', () => {
    expect(unknownFileSettings({ isuer: 'x', authority: { stateDri: 'x', signInThrottle: { acountFailures: 3 } }, metrics: { adr: 'x' }, zzzzzz: 1 })).toEqual([
      { path: 'isuer', closest: 'issuer' },
      { path: 'authority.stateDri', closest: 'authority.stateDir' },
      { path: 'authority.signInThrottle.acountFailures', closest: 'authority.signInThrottle.accountFailures' },
      { path: 'metrics.adr', closest: 'metrics.addr' },
      { path: 'zzzzzz' },
    ]);
    expect(unknownFileSettings({ issuer: 'https://idp.example.com', authority: { stateDir: '.gatehouse' }, server: { port: 3000 } })).toEqual([]);
  });

  it('says what was meant, in the words of the issue', () => {
    expect(unknownSettingLines({}, { GATEHOUSE_STROE: 'file' })).toEqual(['GATEHOUSE_STROE is not a setting; did you mean GATEHOUSE_STORE?']);
    expect(unknownSettingLines({ authority: { stateDri: 'x' } }, {}, 'gatehouse.config.json')).toEqual([
      '"authority.stateDri" in gatehouse.config.json is not a setting; did you mean "authority.stateDir"?',
    ]);
  });

  it('warns at start by default, and refuses with --strict or in production', () => {
    const warned: string[] = [];
    checkSettingNames({ isuer: 'x' }, { GATEHOUSE_STROE: 'file' }, {}, { warn: (line) => void warned.push(line) });
    expect(warned).toEqual([
      'WARNING: "isuer" in the config file is not a setting; did you mean "issuer"?',
      'WARNING: GATEHOUSE_STROE is not a setting; did you mean GATEHOUSE_STORE?',
    ]);
    expect(() => checkSettingNames({}, { GATEHOUSE_STROE: 'file' }, {}, { strict: true, warn: () => {} })).toThrow(/--strict:\n {2}GATEHOUSE_STROE is not a setting/);
    expect(() => checkSettingNames({}, { GATEHOUSE_STROE: 'file' }, { authority: { env: 'production' } }, { warn: () => {} })).toThrow(ConfigError);
    expect(() => checkSettingNames({}, {}, { authority: { env: 'production' } }, { strict: true, warn: () => {} })).not.toThrow();
  });

  it('stops `gatehouse demo --strict` and a production proxy before anything listens', async () => {
    await expect(runDemo(['--strict', '--port', '0'], { GATEHOUSE_STROE: 'file' }, silentIo)).rejects.toThrow(/GATEHOUSE_STROE is not a setting; did you mean GATEHOUSE_STORE\?/);
    await expect(runProxy(['--upstream', 'http://127.0.0.1:9/mcp', '--port', '0'], { GATEHOUSE_ENV: 'production', OAUTH_ISSUER: 'https://idp.example.com' }, silentIo)).rejects.toThrow(
      /production .*OAUTH_ISSUER is not a setting; did you mean OAUTH_ISSUER_URL\?/s,
    );
  });
});
