import { describe, expect, it } from 'vitest';
import { compileUriPatterns, globMatches } from './uri-pattern.js';

describe('globMatches', () => {
  it('matches * as any run of characters, slashes included, and nothing else as special', () => {
    expect(globMatches('file:///docs/*', 'file:///docs/a/b.md')).toBe(true);
    expect(globMatches('file:///docs/*.md', 'file:///docs/a.txt')).toBe(false);
    expect(globMatches('a*b*c', 'axxbyyc')).toBe(true);
    expect(globMatches('a*b*c', 'axxbyy')).toBe(false);
    expect(globMatches('*', '')).toBe(true);
    // Regex syntax is literal: no injection, no catastrophic backtracking.
    expect(globMatches('file:///(a+)+$', 'file:///aaaa')).toBe(false);
    expect(globMatches('file:///(a+)+$', 'file:///(a+)+$')).toBe(true);
    expect(globMatches('file:///a.c', 'file:///abc')).toBe(false);
    expect(globMatches('file:///a?c', 'file:///abc')).toBe(false);
  });

  it('stays quick on a long URI against a many-star pattern', () => {
    // Linear-ish two-pointer matching: this would hang a backtracking matcher.
    expect(globMatches('*a*a*a*a*a*a*a*b', 'a'.repeat(20_000))).toBe(false);
  });
});

describe('compileUriPatterns', () => {
  it('unions the values of every matching pattern, exact and glob', () => {
    const patterns = compileUriPatterns({ 'file:///secret/*': 'secret', 'file:///secret/key': 'key', 'file:///*': 'any' });
    expect(patterns.matching('file:///secret/key').sort()).toEqual(['any', 'key', 'secret']);
    expect(patterns.matching('https://elsewhere/')).toEqual([]);
  });

  it('matches the URI as the server may resolve it', () => {
    const patterns = compileUriPatterns({ 'file:///secret/*': 'secret' });
    for (const uri of ['file:///a/../secret/x', 'file:///%73ecret/x', 'file:///%25%37%33ecret/x', 'File:///Secret/X', 'file:///a/%2E%2E/secret/x']) {
      expect(patterns.matching(uri), uri).toEqual(['secret']);
    }
    // A malformed escape is matched as sent, not thrown on.
    expect(patterns.matching('file:///secret/%E0%A4%A')).toEqual(['secret']);
  });
});
