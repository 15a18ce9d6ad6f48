import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allRequirements, catalogue, SPEC_REVISIONS } from '../../src/doctor/index.js';
import { conformanceDoc } from '../../src/doctor/requirements/doc.js';

/** docs/conformance.md is the catalogue, and the catalogue is well-formed. */

describe('the conformance catalogue', () => {
  it('is what docs/conformance.md says (run `npm run docs:conformance` after changing it)', () => {
    expect(readFileSync(new URL('../../docs/conformance.md', import.meta.url), 'utf8')).toBe(conformanceDoc());
  });

  it('has unique ids of the form <source>/<slug>, a sentence with its keyword, a link, and a fix for every check', () => {
    for (const revision of SPEC_REVISIONS) {
      const ids = catalogue(revision).map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
    for (const r of allRequirements()) {
      expect(r.id.startsWith(`${r.source}/`), r.id).toBe(true);
      expect(r.id, r.id).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+$/);
      expect(r.link, r.id).toMatch(/^https:\/\//);
      // The sentence carries the keyword of its level (or the RFC's REQUIRED / a definition), unless it is the Fetch standard's prose.
      if (r.source !== 'fetch') expect(r.sentence, r.id).toMatch(r.level === 'MUST' ? /MUST|REQUIRED/ : /SHOULD|RECOMMENDED/);
      if ('check' in r.observe) expect(r.fix, r.id).toMatch(/\S/);
      else expect(r.observe.unobservable.length, r.id).toBeGreaterThan(10);
    }
  });
});
