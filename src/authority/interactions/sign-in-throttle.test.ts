import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPagesAuthority, type PagesAuthority } from '../../../tests/browser/pages-authority.js';
import { authorizationCodeFrom, headlessLogin } from '../../../tests/helpers/headless-login.js';
import { parseForms } from '../../../tests/helpers/html-form.js';
import { ScriptedBrowser } from '../../../tests/helpers/scripted-browser.js';
import { checkPassword, hashPassword } from '../identity/password-hash.js';
import { createMemorySignInThrottle } from '../identity/sign-in-throttle.js';
import { writeUsersFile, type LocalUser } from '../identity/users-file.js';

const PASSWORD = 'correct horse battery staple';
/** Small scrypt cost: these tests are about the pages, not the hash. */
const FAST = 4;

let dir: string;
const started: PagesAuthority[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-throttle-'));
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((as) => as.close()));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function authorityWith(users: LocalUser[], options: Parameters<typeof startPagesAuthority>[0] = {}): Promise<PagesAuthority> {
  const usersFile = join(await mkdtemp(join(dir, 'users-')), 'users.json');
  await writeUsersFile(usersFile, users);
  const as = await startPagesAuthority({ clientName: 'Notes app', ...options, authority: { env: 'production', usersFile, ...options.authority } });
  started.push(as);
  return as;
}

/** A browser on the sign-in page of a fresh authorization request, ready to post. */
async function signInPage(as: PagesAuthority) {
  const browser = new ScriptedBrowser();
  const login = await browser.open(as.authorize().url, as.redirectUri);
  const form = parseForms(login.body!)[0]!;
  return {
    async post(username: string, password: string) {
      const response = await browser.submit(login.url, form, { username, password });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), location: response.headers.get('location'), body: await response.text() };
    },
  };
}

const alertOf = (body: string) => /<p class="error"[^>]*role="alert">([^<]*)<\/p>/.exec(body)?.[1];

describe('failed sign-ins slow down per account', () => {
  let now = 1_800_000_000_000;
  const clock = () => now;

  it('after the free failures the right password gets 429 with Retry-After until the wait is over; a success starts over', async () => {
    const throttle = createMemorySignInThrottle({ accountFailures: 3, accountMaxDelaySec: 60, addressBurst: 1000, addressRefillSec: 1, now: clock });
    const as = await authorityWith([{ username: 'alice', passwordHash: await hashPassword(PASSWORD, FAST) }], { throttle });
    const page = await signInPage(as);
    for (let i = 0; i < 3; i++) expect((await page.post('alice', 'not her password')).status).toBe(200);

    const refused = await page.post('alice', PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('1');
    expect(refused.location).toBeNull();
    expect(alertOf(refused.body)).toBe('Too many sign-in attempts: this one was not checked. Wait 1 second, then try again.');
    // Still the sign-in page, in its style, with its anti-forgery token: the user can try again from here.
    expect(refused.body).toContain('<h1>Sign in</h1>');
    expect(refused.body).toContain('value="alice"');
    expect(parseForms(refused.body)[0]!.fields.some((f) => f.name === 'csrf' && f.value.length > 20)).toBe(true);

    now += 999;
    expect((await page.post('alice', PASSWORD)).status).toBe(429);
    now += 1;
    const signedIn = await page.post('alice', PASSWORD);
    expect(signedIn.status).toBe(303);
    expect(as.callbacks).toEqual([]);

    // The success forgot the failures: a new typo is just a typo.
    const again = await signInPage(as);
    expect((await again.post('alice', 'typo')).status).toBe(200);
  });

  it('counts one account however its name is typed: spaces around it or another Unicode form get no fresh free failures', async () => {
    const throttle = createMemorySignInThrottle({ accountFailures: 2, accountMaxDelaySec: 60, addressBurst: 1000, addressRefillSec: 1, now: clock });
    const zoe = 'zo\u00eb'; // NFC; 'zoe\u0308' is the same name decomposed (NFD), and signs in as her too
    const as = await authorityWith([{ username: zoe, passwordHash: await hashPassword(PASSWORD, FAST) }], { throttle });
    const page = await signInPage(as);
    expect((await page.post(zoe, 'guess 1')).status).toBe(200);
    expect((await page.post(zoe, 'guess 2')).status).toBe(200);
    for (const typed of [` ${zoe} `, 'zoe\u0308']) {
      const refused = await page.post(typed, PASSWORD);
      expect(refused.status, JSON.stringify(typed)).toBe(429);
      expect(refused.location).toBeNull();
    }
    now += 1000;
    expect((await page.post('zoe\u0308', PASSWORD)).status).toBe(303);
  });

  it('waits double with each failure up to the cap, never longer: no permanent lockout', async () => {
    const throttle = createMemorySignInThrottle({ accountFailures: 2, accountMaxDelaySec: 60, addressBurst: 1000, addressRefillSec: 1, now: clock });
    const as = await authorityWith([{ username: 'alice', passwordHash: await hashPassword(PASSWORD, FAST) }], { throttle });
    const page = await signInPage(as);
    await page.post('alice', 'guess 1');
    await page.post('alice', 'guess 2');
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      const refused = await page.post('alice', 'guess');
      expect(refused.status).toBe(429);
      waits.push(Number(refused.retryAfter));
      now += Number(refused.retryAfter) * 1000;
      expect((await page.post('alice', `guess after ${i}`)).status).toBe(200);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
    // After the longest wait the real user gets in.
    now += 60_000;
    expect((await page.post('alice', PASSWORD)).status).toBe(303);
  });

  it('a password check that fails (the store down) counts as no attempt: the next one is checked, not refused', async () => {
    const throttle = createMemorySignInThrottle({ accountFailures: 1, accountMaxDelaySec: 60, addressBurst: 1000, addressRefillSec: 1, now: clock });
    let failNext = true;
    const as = await authorityWith([{ username: 'alice', passwordHash: await hashPassword(PASSWORD, FAST) }], {
      throttle,
      wrapAccounts: (accounts) => ({
        ...accounts,
        async verifyPassword(username, password) {
          if (failNext) {
            failNext = false;
            throw new Error('users store unreachable');
          }
          return accounts.verifyPassword(username, password);
        },
      }),
    });
    const broken = await (await signInPage(as)).post('alice', PASSWORD);
    expect(broken.status).toBe(500);
    expect(broken.location).toBeNull();
    expect(as.handlerErrors).toHaveLength(1);
    expect((await (await signInPage(as)).post('alice', PASSWORD)).status).toBe(303);
  });

  it('40 concurrent wrong passwords on one account: only the free ones are checked, the rest get 429 at once', async () => {
    let checked = 0;
    const as = await authorityWith([{ username: 'alice', passwordHash: await hashPassword(PASSWORD, FAST) }], {
      wrapAccounts: (accounts) => ({
        ...accounts,
        async verifyPassword(username, password) {
          checked++;
          return accounts.verifyPassword(username, password);
        },
      }),
    });
    const pages = [];
    for (let i = 0; i < 40; i++) pages.push(await signInPage(as));
    const results = await Promise.all(pages.map((page, i) => page.post('alice', `guess number ${i}`)));
    const statuses = results.map((r) => r.status);
    // The default: 5 failures in a row are free.
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
    expect(checked).toBe(5);
    for (const refused of results.filter((r) => r.status === 429)) expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
  });
});

describe('failed sign-ins slow down per address', () => {
  it('one address spraying many usernames runs out of attempts; a success gives its attempt back', async () => {
    let now = 1_800_000_000_000;
    const throttle = createMemorySignInThrottle({ accountFailures: 5, accountMaxDelaySec: 900, addressBurst: 4, addressRefillSec: 30, now: () => now });
    const as = await authorityWith([{ username: 'alice', passwordHash: await hashPassword(PASSWORD, FAST) }], { throttle });
    const page = await signInPage(as);
    expect((await page.post('alice', PASSWORD)).status).toBe(303);
    const sprayed = [];
    for (const name of ['bob', 'carol', 'dave', 'erin', 'frank']) sprayed.push(await (await signInPage(as)).post(name, 'Winter2026!'));
    expect(sprayed.map((r) => r.status)).toEqual([200, 200, 200, 200, 429]);
    expect(sprayed[4]!.retryAfter).toBe('30');
    now += 30_000;
    expect((await (await signInPage(as)).post('grace', 'Winter2026!')).status).toBe(200);
  });
});

describe('unknown usernames look like known ones', () => {
  it('same status, same page and the same throttling for an unknown user as for a wrong password', async () => {
    let now = 1_800_000_000_000;
    const throttle = createMemorySignInThrottle({ accountFailures: 2, accountMaxDelaySec: 60, addressBurst: 1000, addressRefillSec: 1, now: () => now });
    const as = await authorityWith([{ username: 'alice', passwordHash: await hashPassword(PASSWORD, FAST) }], { throttle });
    const known = await signInPage(as);
    const unknown = await signInPage(as);
    // The two pages differ only in the username shown and the interaction's own uid and token.
    const normalise = (body: string, name: string) =>
      body.replaceAll(`value="${name}"`, 'value="NAME"').replace(/\/interaction\/[\w-]+/g, '/interaction/UID').replace(/name="csrf" value="[^"]*"/, 'name="csrf" value="TOKEN"');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const a = await known.post('alice', `wrong ${i}`);
      const m = await unknown.post('mallory', `wrong ${i}`);
      expect([m.status, m.retryAfter], `attempt ${i}`).toEqual([a.status, a.retryAfter]);
      expect(normalise(m.body, 'mallory')).toBe(normalise(a.body, 'alice'));
      statuses.push(m.status);
      now += 500;
    }
    // Both were throttled, alike: the throttle does not tell who exists either.
    expect(statuses).toEqual([200, 200, 429, 200]);
  });
});

describe('hashing does not hold the event loop', () => {
  /** An authority whose accounts say when the first password check begins. */
  async function authorityTellingChecks(users: LocalUser[]) {
    let began!: () => void;
    const checking = new Promise<void>((resolve) => (began = resolve));
    const as = await authorityWith(users, {
      wrapAccounts: (accounts) => ({
        ...accounts,
        verifyPassword(username, password) {
          began();
          return accounts.verifyPassword(username, password);
        },
      }),
    });
    return { as, checking };
  }

  /**
   * Fires sign-ins and, once the first password check has begun, five static
   * requests one after another; returns the order they finished in. On the
   * main thread the key derivation would hold back every step of the static
   * requests until it was done.
   */
  async function race({ as, checking }: { as: PagesAuthority; checking: Promise<void> }, signIns: number) {
    const pages = [];
    for (let i = 0; i < signIns; i++) pages.push(await signInPage(as));
    const order: string[] = [];
    const posts = pages.map((page, i) => page.post(`nobody-${i}`, 'wrong password').then((r) => order.push(`sign-in ${r.status}`)));
    const statics = (async () => {
      await checking;
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${as.origin}/.well-known/openid-configuration`);
        expect(response.status).toBe(200);
        await response.text();
      }
      order.push('static documents');
    })();
    await Promise.all([...posts, statics]);
    return order;
  }

  it('scrypt: five static requests in a row finish before any of eight concurrent sign-ins', async () => {
    // Real cost: the dummy an unknown user is checked against has the shape of alice's hash.
    const order = await race(await authorityTellingChecks([{ username: 'alice', passwordHash: await hashPassword(PASSWORD) }]), 8);
    expect(order[0]).toBe('static documents');
    expect(order.filter((o) => o === 'sign-in 200')).toHaveLength(8);
  });

  it('bcrypt of an older users file: the same, the check runs in a worker', async () => {
    const order = await race(await authorityTellingChecks([{ username: 'alice', passwordHash: bcrypt.hashSync(PASSWORD, 11) }]), 8);
    expect(order[0]).toBe('static documents');
    expect(order.filter((o) => o === 'sign-in 200')).toHaveLength(8);
  });
});

describe('bcrypt hashes of older users files', () => {
  it('sign in, and the hash in the file becomes scrypt', async () => {
    const legacy = bcrypt.hashSync(PASSWORD, 4);
    const as = await authorityWith([{ username: 'alice', passwordHash: legacy, name: 'Alice Liddell' }]);
    const usersFile = as.config.authority.usersFile!;
    const first = as.authorize();
    const tokens = await as.redeem(authorizationCodeFrom(await headlessLogin(first.url, { login: 'alice', password: PASSWORD })), first.codeVerifier);
    expect(decodeJwt(String(tokens.access_token)).sub).toBe('alice');

    const [alice] = (JSON.parse(await readFile(usersFile, 'utf8')) as { users: LocalUser[] }).users;
    expect(alice).toMatchObject({ username: 'alice', name: 'Alice Liddell' });
    expect(alice!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await checkPassword(PASSWORD, alice!.passwordHash)).toBe(true);

    const second = as.authorize();
    const again = await headlessLogin(second.url, { login: 'alice', password: PASSWORD });
    expect(decodeJwt(String((await as.redeem(authorizationCodeFrom(again), second.codeVerifier)).access_token)).sub).toBe('alice');
  });
});
