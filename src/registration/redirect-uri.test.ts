import { describe, expect, it } from 'vitest';
import { checkRedirectUri } from './redirect-uri.js';

const options = { customSchemes: ['cursor', 'vscode'] };

describe('checkRedirectUri', () => {
  it.each([
    ['claude.ai', 'https://claude.ai/api/mcp/auth_callback'],
    ['claude.com', 'https://claude.com/api/mcp/auth_callback'],
    ['VS Code web', 'https://vscode.dev/redirect'],
    ['VS Code insiders', 'https://insiders.vscode.dev/redirect'],
    ['VS Code loopback, no port', 'http://127.0.0.1/'],
    ['VS Code loopback, port', 'http://127.0.0.1:33418/'],
    ['Cursor custom scheme', 'cursor://anysphere.cursor-mcp/oauth/callback'],
    ['Cursor web', 'https://www.cursor.com/agents/mcp/oauth/callback'],
    ['Cursor localhost', 'http://localhost:8787/callback'],
    ['Claude Code loopback', 'http://localhost:53682/callback'],
    ['MCP Inspector', 'http://localhost:6274/oauth/callback/debug'],
    ['IPv6 loopback', 'http://[::1]:9999/cb'],
    ['https with a query', 'https://app.example.com/cb?tenant=1'],
  ])('accepts %s', (_name, uri) => {
    expect(checkRedirectUri(uri, options)).toEqual({ ok: true });
  });

  it.each([
    ['javascript:', 'javascript:alert(1)', /never allowed/],
    ['javascript: hidden by a tab', 'java\tscript:alert(1)', /whitespace/],
    ['data:', 'data:text/html,<script>alert(1)</script>', /never allowed/],
    ['file:', 'file:///etc/passwd', /never allowed/],
    ['vbscript:', 'vbscript:msgbox(1)', /never allowed/],
    ['a fragment', 'https://claude.ai/cb#x', /fragment/],
    ['an empty fragment', 'https://claude.ai/cb#', /fragment/],
    ['http on a public host', 'http://evil.example/cb', /loopback/],
    ['http on a host that starts like localhost', 'http://localhost.evil.example/cb', /loopback/],
    ['http on 0.0.0.0', 'http://0.0.0.0:8080/cb', /loopback/],
    ['a relative URI', '/callback', /absolute/],
    ['no scheme', 'claude.ai/cb', /absolute/],
    ['an unconfigured custom scheme', 'myapp://cb', /not allowed/],
    ['credentials', 'https://user:pw@claude.ai/cb', /credentials/],
    ['whitespace', 'https://claude.ai/c b', /whitespace/],
    ['an overlong URI', `https://claude.ai/${'a'.repeat(3000)}`, /longer/],
  ])('refuses %s', (_name, uri, reason) => {
    const check = checkRedirectUri(uri, options);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('refuses javascript: even when configured as a custom scheme', () => {
    expect(checkRedirectUri('javascript:alert(1)', { customSchemes: ['javascript'] }).ok).toBe(false);
  });
});
