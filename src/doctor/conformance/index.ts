/**
 * `gatehouse doctor --conformance`: the requirement catalogue judged
 * against a server, with evidence, for people (table), machines (JSON) and
 * CI systems (JUnit).
 */
export { checkConformance } from './run.js';
export type * from './types.js';
export { renderConformance } from './render.js';
export { conformanceJunit } from './junit.js';
