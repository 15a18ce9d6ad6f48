import { describe, expect, it } from 'vitest';
import { isLenientLoopbackHost, isLoopbackHost, isLoopbackIpLiteral, isLoopbackRedirectHost } from './loopback.js';

/** Each host, and what each rule answers: [literal, redirect, host, lenient]. */
const TABLE: [string, boolean, boolean, boolean, boolean][] = [
  ['127.0.0.1', true, true, true, true],
  ['[::1]', true, true, true, true],
  ['::1', false, false, true, true],
  ['localhost', false, true, true, true],
  ['LOCALHOST', false, false, true, true],
  ['127.0.0.2', false, false, true, true],
  ['127.255.255.255', false, false, true, true],
  ['a.localhost', false, false, false, true],
  ['b.a.localhost', false, false, false, true],
  ['.localhost', false, false, false, false],
  ['localhost.', false, false, false, false],
  ['evil-localhost', false, false, false, false],
  ['localhost.evil.example', false, false, false, false],
  ['127.1', false, false, false, false],
  ['127.0.0.1.nip.io', false, false, false, false],
  ['127.example.com', false, false, false, false],
  ['127.256.0.1', false, false, false, false],
  ['[::ffff:127.0.0.1]', false, false, false, false],
  ['[::ffff:7f00:1]', false, false, false, false],
  ['0.0.0.0', false, false, false, false],
  ['[::]', false, false, false, false],
  ['10.0.0.1', false, false, false, false],
  ['example.com', false, false, false, false],
  ['', false, false, false, false],
];

describe('loopback rules', () => {
  it.each(TABLE)('%s: literal %s, redirect %s, host %s, lenient %s', (host, literal, redirect, machine, lenient) => {
    expect([isLoopbackIpLiteral(host), isLoopbackRedirectHost(host), isLoopbackHost(host), isLenientLoopbackHost(host)]).toEqual([literal, redirect, machine, lenient]);
  });

  it('each rule is at least as strict as the next', () => {
    for (const [host] of TABLE) {
      if (isLoopbackIpLiteral(host)) expect(isLoopbackRedirectHost(host)).toBe(true);
      if (isLoopbackRedirectHost(host)) expect(isLoopbackHost(host)).toBe(true);
      if (isLoopbackHost(host)) expect(isLenientLoopbackHost(host)).toBe(true);
    }
  });

  it.each([
    ['http://127.1:5000/cb', true],
    ['http://LOCALHOST/cb', true],
    ['http://[0:0:0:0:0:0:0:1]/cb', true],
    ['http://[::ffff:127.0.0.1]/cb', false],
    ['http://localhost./cb', false],
    ['http://0x7f.0.0.1/cb', true],
  ])('reads the hostname the URL parser writes for %s (redirect rule: %s)', (uri, allowed) => {
    expect(isLoopbackRedirectHost(new URL(uri).hostname)).toBe(allowed);
  });
});
