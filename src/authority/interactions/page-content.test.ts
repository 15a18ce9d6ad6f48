import Provider, { type Interaction } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { consentRequest, grantConsent } from './consent-details.js';
import { consentPage, type ConsentView } from './consent-page.js';
import { displayText } from './html.js';
import { loginPage } from './login-page.js';
import { describeRedirect } from './redirect-target.js';
import { tooManyAttempts } from './too-many-attempts.js';

/** What the consent page tells a person: each fact a test, since a wrong one is what they approve. */

const actions = { login: '/l', abort: '/a', confirm: '/c', switchAccount: '/s' };

function consent(overrides: Partial<ConsentView>): string {
  return consentPage({
    actions,
    csrf: 't',
    devLogin: false,
    client: { name: 'Notes', id: 'notes-client' },
    accountId: 'alice',
    redirect: describeRedirect('https://notes.example/cb'),
    scopes: [],
    resources: [{ uri: 'https://mcp.example/mcp' }],
    additional: false,
    ...overrides,
  }).value;
}

/** The text of the element after `<dt>label</dt>`, tags kept. */
function definition(page: string, label: string): string {
  return new RegExp(`<dt>${label}</dt>\\n<dd>(.*?)</dd>\\n`, 's').exec(page)?.[1] ?? '';
}

describe('the consent page', () => {
  it('shows a chosen name beside the app id, since anyone can choose a name; an app without one is shown by its id, once', () => {
    expect(definition(consent({ client: { name: 'Claude', id: 'c-123' } }), 'App')).toBe('Claude<br><span class="small">App ID: <code>c-123</code></span>');
    expect(definition(consent({ client: { name: 'c-123', id: 'c-123' } }), 'App')).toBe('<span class="small">App ID: <code>c-123</code></span>');
  });

  it('names the MCP server it grants access to: by its name, else its URI; several are counted; none is the account', () => {
    const lead = (page: string) => /<p class="lead">(.*?)<\/p>/s.exec(page)?.[1] ?? '';
    expect(lead(consent({ resources: [{ uri: 'https://mcp.example/mcp', name: 'Notes MCP' }] }))).toContain('wants to access <strong>Notes MCP</strong> as');
    expect(lead(consent({ resources: [{ uri: 'https://mcp.example/mcp' }] }))).toContain('wants to access <strong>https://mcp.example/mcp</strong> as');
    const two = consent({ resources: [{ uri: 'https://a.example/mcp', name: 'A' }, { uri: 'https://b.example/mcp' }] });
    expect(lead(two)).toContain('<strong>2 MCP servers</strong>');
    expect(definition(two, 'MCP server')).toBe('<ul><li>A<br><code>https://a.example/mcp</code></li><li><code>https://b.example/mcp</code></li></ul>');
    expect(lead(consent({ resources: [] }))).toContain('wants to access your account as');
    expect(lead(consent({ additional: true }))).toContain('asks for more access to');
  });

  it('lists every scope by name, with its sentence when it has one; none is said in words', () => {
    const scopes = [{ name: 'openid', description: 'Know your username' }, { name: 'mcp:tools' }];
    expect(definition(consent({ scopes }), 'Permissions')).toBe('<ul><li>Know your username · <code>openid</code></li><li><code>mcp:tools</code></li></ul>');
    expect(definition(consent({ scopes: [] }), 'Permissions')).toBe('<span class="small">Basic access, no extra permissions.</span>');
  });

  it('says where a redirect URI that is no URL goes: an app, flagged', () => {
    expect(describeRedirect('not a url')).toEqual({ kind: 'app', label: 'not a url', uri: 'not a url', note: 'This is not a web address.' });
  });

  it('keeps text of exactly the display limit whole, and cuts one character more', () => {
    expect(displayText('abcde', 5)).toBe('abcde');
    expect(displayText('abcdef', 5)).toBe('abcd…');
  });
});

describe('the sign-in page in production', () => {
  it('has nothing between the body and the card: no banner, no stray text', () => {
    const page = loginPage({ actions, csrf: 't', clientName: 'App', devLogin: false }).value;
    expect(page).toContain('<body>\n\n<main>');
  });
});

describe('how long the throttle says to wait', () => {
  it.each([
    [0.2, '1 second'],
    [1, '1 second'],
    [59, '59 seconds'],
    [59.5, '60 seconds'],
    [60, '1 minute'],
    [90, '2 minutes'],
    [3599, '60 minutes'],
    [3600, '1 hour'],
    [5400, '2 hours'],
  ])('%s s → "Wait %s"', (seconds, words) => {
    expect(tooManyAttempts(seconds)).toBe(`Too many sign-in attempts: this one was not checked. Wait ${words}, then try again.`);
  });
});

/** What a consent prompt asks for, and the grant that answers it, on a real provider's Grant model. */
describe('consent details', () => {
  const provider = new Provider('http://127.0.0.1:9', { features: { devInteractions: { enabled: false } }, ttl: { Grant: 60 } });
  const interaction = (details: object, params: Record<string, unknown>, grantId?: string) =>
    ({ prompt: { name: 'consent', details, reasons: [] }, params: { client_id: 'notes-client', ...params }, ...(grantId ? { grantId } : {}) }) as unknown as Interaction;

  it('asks for what the prompt found missing, else for the scopes requested; resources from both, each once', () => {
    const asked = consentRequest(interaction({}, { scope: 'openid  mcp:tools ', resource: ['https://a.example/mcp', 7, 'https://a.example/mcp'] }));
    expect(asked).toEqual({
      scopes: [{ name: 'openid', description: 'Know your username' }, { name: 'mcp:tools', description: undefined }],
      resources: ['https://a.example/mcp'],
      missing: false,
    });
    const missing = consentRequest(
      interaction({ missingOIDCScope: ['openid'], missingResourceScopes: { 'https://b.example/mcp': ['mcp:tools'] } }, { scope: 'openid mcp:tools mcp:admin', resource: 'https://b.example/mcp' }),
    );
    expect(missing).toEqual({
      scopes: [{ name: 'openid', description: 'Know your username' }, { name: 'mcp:tools', description: undefined }],
      resources: ['https://b.example/mcp'],
      missing: true,
    });
  });

  it('grants exactly the missing scopes, claims and resource scopes, and adds them to the grant the client has', async () => {
    const details = {
      missingOIDCScope: ['openid', 'profile'],
      missingOIDCClaims: ['email'],
      missingResourceScopes: { 'https://a.example/mcp': ['mcp:tools', 'mcp:read'] },
    };
    const grantId = await grantConsent(provider, interaction(details, {}), 'alice');
    const grant = (await provider.Grant.find(grantId))!;
    expect(grant.accountId).toBe('alice');
    expect(grant.clientId).toBe('notes-client');
    expect(grant.getOIDCScope().split(' ').sort()).toEqual(['openid', 'profile']);
    expect(grant.getOIDCClaims()).toEqual(['email']);
    expect(grant.getResourceScope('https://a.example/mcp').split(' ').sort()).toEqual(['mcp:read', 'mcp:tools']);

    const more = await grantConsent(provider, interaction({ missingResourceScopes: { 'https://a.example/mcp': ['mcp:admin'] } }, {}, grantId), 'alice');
    expect(more).toBe(grantId);
    const after = (await provider.Grant.find(grantId))!;
    expect(after.getResourceScope('https://a.example/mcp').split(' ').sort()).toEqual(['mcp:admin', 'mcp:read', 'mcp:tools']);
    expect(after.getOIDCScope().split(' ').sort()).toEqual(['openid', 'profile']);
  });
});
