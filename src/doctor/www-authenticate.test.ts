import { describe, expect, it } from 'vitest';
import { parseChallenges, sdkChallengeView } from './www-authenticate.js';

describe('parseChallenges (RFC 7235)', () => {
  it('reads a Bearer challenge with quoted and unquoted parameters, names lower-cased', () => {
    expect(parseChallenges('Bearer Resource_Metadata="https://x/.well-known/oauth-protected-resource/mcp", scope="a b", error=invalid_token')).toEqual([
      { scheme: 'Bearer', params: { resource_metadata: 'https://x/.well-known/oauth-protected-resource/mcp', scope: 'a b', error: 'invalid_token' } },
    ]);
  });

  it('splits several challenges, whichever comes first', () => {
    const challenges = parseChallenges('Basic realm="mcp", Bearer resource_metadata="https://x/prm",scope="mcp"');
    expect(challenges.map((c) => c.scheme)).toEqual(['Basic', 'Bearer']);
    expect(challenges[0]!.params).toEqual({ realm: 'mcp' });
    expect(challenges[1]!.params).toEqual({ resource_metadata: 'https://x/prm', scope: 'mcp' });
  });

  it('unescapes quoted pairs and keeps commas inside quotes', () => {
    expect(parseChallenges('Bearer error_description="a \\"quoted\\", word", scope="x"')[0]!.params).toEqual({ error_description: 'a "quoted", word', scope: 'x' });
  });

  it('reads token68 credentials and bare schemes', () => {
    expect(parseChallenges('Negotiate abc123==, Bearer')).toEqual([
      { scheme: 'Negotiate', params: {}, token68: 'abc123==' },
      { scheme: 'Bearer', params: {} },
    ]);
  });

  it('stops at an unterminated quoted string, keeping what it read', () => {
    expect(parseChallenges('Bearer scope="mcp", resource_metadata="https://x')).toEqual([{ scheme: 'Bearer', params: { scope: 'mcp' } }]);
  });

  it('reads nothing from an empty header', () => {
    expect(parseChallenges('')).toEqual([]);
  });
});

describe('sdkChallengeView (as the MCP SDK client reads the header)', () => {
  it('reads a header that starts with Bearer', () => {
    expect(sdkChallengeView('Bearer resource_metadata="https://x/prm", scope="a b"')).toEqual({ readsHeader: true, resourceMetadata: 'https://x/prm', scope: 'a b', error: undefined });
  });

  it('ignores the whole header when Bearer is not first', () => {
    expect(sdkChallengeView('Basic realm="x", Bearer resource_metadata="https://x/prm"')).toEqual({ readsHeader: false });
  });

  it('stops a quoted value at an escaped quote, unlike RFC 7235', () => {
    const header = 'Bearer scope="a\\"b"';
    expect(sdkChallengeView(header).scope).toBe('a\\');
    expect(parseChallenges(header)[0]!.params.scope).toBe('a"b');
  });
});
