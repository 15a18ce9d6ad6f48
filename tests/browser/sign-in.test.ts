/**
 * The sign-in and consent pages in a real browser: Debian's Chromium driven
 * by playwright-core through sign-in and consent to the client's redirect
 * URI, on a desktop and on a phone-sized screen, with screenshots saved in
 * test-artifacts/ for a person to look at.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/authority/identity/password-hash.js';
import { writeUsersFile } from '../../src/authority/identity/users-file.js';
import { startPagesAuthority, type PagesAuthority } from './pages-authority.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

if (!hasChromium) {
  console.warn(`Skipping the browser tests: ${CHROMIUM} is absent (install it with: apt-get install -y chromium).`);
}

const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
// The phone also checks the dark colour scheme.
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'dark' };
const ACCENT = { desktop: 'rgb(11, 87, 208)', phone: 'rgb(68, 147, 248)' };

/** Opens a page that fails the test on any CSP violation or page error. */
async function openPage(browser: Browser, options: BrowserContextOptions): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return { page, problems, close: () => context.close() };
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** No sideways scrolling: the page fits the screen it is on. */
async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}

describe.skipIf(!hasChromium)('sign-in and consent in Chromium', () => {
  let browser: Browser;
  let dev: PagesAuthority;
  let prod: PagesAuthority;
  let dir: string;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-browser-'));
    const usersFile = join(dir, 'users.json');
    await writeUsersFile(usersFile, [{ username: 'alice', passwordHash: await hashPassword('correct horse battery staple', 4) }]);
    [browser, dev, prod] = await Promise.all([
      chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      }),
      startPagesAuthority({ clientName: 'Notes Desktop' }),
      startPagesAuthority({ clientName: 'Notes Desktop', authority: { env: 'production', usersFile } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([browser?.close(), dev?.close(), prod?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const [screen, options] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    it(`signs in and consents to the redirect URI with a code (${screen})`, async () => {
      const { page, problems, close } = await openPage(browser, options);
      try {
        const request = dev.authorize();
        await page.goto(request.url.href);

        // The login page: a development banner, labelled fields, focus on the username.
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
        expect(await page.getByRole('note').first().textContent()).toContain('Development sign-in');
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
        expect(await fitsWidth(page)).toBe(true);
        await screenshot(page, `login-dev-${screen}`);

        await page.getByLabel('Username').fill(`alice-${screen}`);
        // Keyboard order: username → password → Sign in.
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Sign in');
        await page.keyboard.press('Enter');

        // The consent page: the app, the MCP server, the scopes, where the code goes.
        // The sign-in page's own URL matches the pattern too: wait for the consent heading, not the URL.
        await page.getByRole('heading', { level: 1, name: 'Allow access?' }).waitFor();
        expect(page.url()).toMatch(/\/oauth\/interaction\/[\w-]+$/);
        const text = await page.locator('main').innerText();
        expect(text).toContain('Notes Desktop');
        expect(text).toContain(dev.resource);
        expect(text).toContain('mcp:tools');
        expect(text).toContain(new URL(dev.redirectUri).host);
        expect(await fitsWidth(page)).toBe(true);
        // The stylesheet applied (its CSP hash matches): Allow has the scheme's accent colour.
        const allow = page.getByRole('button', { name: 'Allow' });
        expect(await allow.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(ACCENT[screen]);
        await screenshot(page, `consent-dev-${screen}`);

        await allow.click();
        await page.waitForURL((url) => url.href.startsWith(dev.redirectUri));
        const callback = new URL(page.url());
        expect(callback.searchParams.get('state')).toBe(request.state);
        const tokens = await dev.redeem(callback.searchParams.get('code')!, request.codeVerifier);
        expect(decodeJwt(String(tokens.access_token)).sub).toBe(`alice-${screen}`);
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    });
  }

  it('production: a wrong password shows an error; Deny ends at the client with access_denied', async () => {
    const { page, problems, close } = await openPage(browser, DESKTOP);
    try {
      const request = prod.authorize();
      await page.goto(request.url.href);
      expect(await page.getByRole('note').count()).toBe(0);
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('That username and password do not match');
      expect(await page.getByLabel('Username').inputValue()).toBe('alice');
      await screenshot(page, 'login-error-desktop');

      await page.getByLabel('Password').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/oauth\/interaction\/[\w-]+$/);
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.waitForURL((url) => url.href.startsWith(prod.redirectUri));
      const callback = new URL(page.url());
      expect(callback.searchParams.get('error')).toBe('access_denied');
      expect(callback.searchParams.get('code')).toBeNull();
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});
