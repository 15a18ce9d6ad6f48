import { describe, expect, it } from 'vitest';
import { hierarchyCycle } from '../config/sections/scopes.js';
import { scopeHierarchy } from './scope-hierarchy.js';

describe('scopeHierarchy', () => {
  const hierarchy = scopeHierarchy({ 'mcp:admin': ['mcp:tools', 'files:write'], 'files:write': ['files:read'] });

  it('expands granted scopes to everything they imply, transitively', () => {
    expect([...hierarchy.expand(['mcp:admin'])].sort()).toEqual(['files:read', 'files:write', 'mcp:admin', 'mcp:tools']);
    expect([...hierarchy.expand(['files:read'])]).toEqual(['files:read']);
  });

  it('keeps only the scopes no other one implies', () => {
    expect(hierarchy.minimal(['mcp:tools', 'mcp:admin', 'files:read', 'other'])).toEqual(['mcp:admin', 'other']);
    expect(scopeHierarchy({}).minimal(['a', 'a', 'b'])).toEqual(['a', 'b']);
  });

  it('ignores Object.prototype names', () => {
    expect([...hierarchy.expand(['constructor', '__proto__'])]).toEqual(['constructor', '__proto__']);
  });

  it('is empty when nothing implies anything', () => {
    expect(scopeHierarchy({ a: [] }).empty).toBe(true);
    expect(hierarchy.empty).toBe(false);
  });
});

describe('hierarchyCycle', () => {
  it('finds a cycle, a self-loop, and none in a diamond', () => {
    expect(hierarchyCycle({ a: ['b'], b: ['c'], c: ['a'] })).toEqual(['a', 'b', 'c', 'a']);
    expect(hierarchyCycle({ a: ['a'] })).toEqual(['a', 'a']);
    expect(hierarchyCycle({ a: ['b', 'c'], b: ['d'], c: ['d'] })).toBeUndefined();
  });
});
