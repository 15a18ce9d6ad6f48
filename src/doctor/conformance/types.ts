import type { Level, SourceId, SpecRevision } from '../requirements/types.js';

/**
 * The shapes of a conformance report. `--json` prints a
 * `ConformanceReport` as is: add fields, never rename or remove them.
 */

/** `warn`: a SHOULD not met. `not-observable`: cannot be judged from outside, or does not apply to this server (the reason says which). */
export type ConformanceStatus = 'pass' | 'fail' | 'warn' | 'not-observable';

/** One request the doctor sent and what came back, in words. Never holds a token. */
export interface Evidence {
  request: string;
  response: string;
}

/** One requirement, judged. */
export interface RequirementResult {
  id: string;
  source: SourceId;
  level: Level;
  status: ConformanceStatus;
  sentence: string;
  link: string;
  evidence: Evidence[];
  /** What to change, in one line, when the status is fail or warn. */
  fix?: string;
  /** Why the requirement was not judged, when not observable. */
  reason?: string;
}

/** Which protocol eras the server answers: `unknown` without a token (every request gets a 401). */
export interface Eras {
  /** Answers 2026-07-28 requests (per-request `_meta`, `server/discover`). */
  modern: boolean | 'unknown';
  /** Answers 2025 `initialize`. */
  legacy: boolean | 'unknown';
  /** `supportedVersions` from `server/discover`, when it answered. */
  supportedVersions?: string[];
  evidence: Evidence[];
}

export interface LevelCount {
  passed: number;
  /** fail for MUST, warn for SHOULD. */
  unmet: number;
}

export interface ConformanceReport {
  url: string;
  spec: SpecRevision;
  eras: Eras;
  results: RequirementResult[];
  summary: { MUST: LevelCount; SHOULD: LevelCount; notObservable: number; evaluated: number };
}

/** Options of `checkConformance`. */
export interface ConformanceOptions {
  /** The MCP revision whose requirements apply (the RFCs apply under each). Default `2026-07-28`. */
  spec?: SpecRevision;
  /** Milliseconds before each request is abandoned. Default 10000. */
  timeoutMs?: number;
  /** Register test clients and send authorization requests (never signs anyone in). Default false. */
  register?: boolean;
  /** An access token for the server, for the checks that need one (2026-07-28 headers, eras, a token in the query string). Never printed. */
  token?: string;
  /** The browser origin for the CORS checks. Default `http://localhost:6274` (MCP Inspector). */
  browserOrigin?: string;
  /** A `fetch` to probe with. Default the global one. */
  fetch?: typeof fetch;
}

/** What a check concludes; the runner turns it into a status by the requirement's level. */
export type Verdict =
  | { met: true; evidence: Evidence[] }
  | { met: false; evidence: Evidence[]; fix?: string }
  | { met: 'not-observable'; reason: string; evidence: Evidence[] };
