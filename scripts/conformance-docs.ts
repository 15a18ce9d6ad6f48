/** Writes docs/conformance.md from the requirement catalogue (`npm run docs:conformance`). */
import { writeFileSync } from 'node:fs';
import { conformanceDoc } from '../src/doctor/requirements/doc.js';

writeFileSync(new URL('../docs/conformance.md', import.meta.url), conformanceDoc());
