/**
 * `gatehouse doctor`: probes an MCP server the way each real client does
 * and says, per client and step, what works and what to fix.
 */
export { diagnose, DEFAULT_BROWSER_ORIGIN, DEFAULT_TIMEOUT_MS } from './diagnose.js';
export { renderReport, type Paint } from './render.js';
export { FINDINGS, type FindingId } from './findings.js';
export { PROFILES, type ClientProfile } from './profiles.js';
export { STEPS } from './grid.js';
export { parseChallenges, sdkChallengeView, type Challenge } from './www-authenticate.js';
export type * from './types.js';
export { checkConformance, renderConformance, conformanceJunit } from './conformance/index.js';
export type { ConformanceReport, ConformanceOptions, RequirementResult, ConformanceStatus, Evidence, Eras } from './conformance/index.js';
export { catalogue, allRequirements, SOURCES, SPEC_REVISIONS, DEFAULT_SPEC } from './requirements/index.js';
export type { Requirement, SpecRevision, SourceId, CheckId } from './requirements/index.js';
