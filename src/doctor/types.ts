/**
 * The shapes of a doctor's report. `--json` prints a `DoctorReport` as is, so
 * these names are a contract: add fields, never rename or remove them.
 */

/** The real MCP clients the doctor imitates (see clients.md in the project's reference). */
export type ProfileId = 'sdk' | 'inspector' | 'mcp-remote' | 'claude' | 'claude-code' | 'vscode' | 'cursor';

/** The stages of a client's sign-in the doctor checks, in the order clients meet them. */
export type StepId = 'challenge' | 'prm' | 'as-metadata' | 'pkce' | 'registration' | 'cors';

/** `fail`: a client cannot sign in (exit code 1). `warn`: works, but fragile or against the spec. `info`: worth knowing. */
export type Severity = 'fail' | 'warn' | 'info';

/** One cell of the clients × steps table. `skip`: not reached; `n/a`: the client never does this step. */
export type CellStatus = 'pass' | 'warn' | 'fail' | 'skip' | 'n/a';

/** Something the doctor found, for the clients it affects, with a one-line fix. */
export interface Finding {
  /** Stable identifier, e.g. `prm-path-inserted`. */
  id: string;
  severity: Severity;
  step: StepId;
  /** The clients this affects. */
  clients: ProfileId[];
  message: string;
  /** What to change, in one line. */
  fix: string;
}

/** How a client would get a client ID from the authorization server. */
export type RegistrationMethod = 'cimd' | 'dcr' | 'manual' | 'none';

/** The outcome of one registration tried with `--register`. Never holds a secret. */
export interface RegistrationAttempt {
  accepted: boolean;
  status: number;
  /** The authorization server's `error` (and description) when refused, or a network failure. */
  error?: string;
}

/** What a client would register with, and (with `--register`) what happened. */
export interface RegistrationPlan {
  method: RegistrationMethod;
  /** The CIMD `client_id` URL the client uses, when known. */
  clientId?: string;
  redirectUris: string[];
  attempt?: RegistrationAttempt;
}

/** One row of the table. */
export interface ProfileResult {
  id: ProfileId;
  name: string;
  cells: Record<StepId, CellStatus>;
  registration: RegistrationPlan;
}

/** One column of the table. */
export interface StepInfo {
  id: StepId;
  title: string;
}

/** Everything `gatehouse doctor` found about one MCP server URL. */
export interface DoctorReport {
  url: string;
  profiles: ProfileResult[];
  steps: StepInfo[];
  findings: Finding[];
  summary: { fail: number; warn: number; info: number };
}

/** Options of `diagnose`. */
export interface DoctorOptions {
  /** Milliseconds before each request is abandoned. Default 10000. */
  timeoutMs?: number;
  /** Actually register a client per profile (DCR) and report which were accepted. Default false. */
  register?: boolean;
  /** The browser origin MCP Inspector runs on, for the CORS checks. Default `http://localhost:6274`. */
  browserOrigin?: string;
  /** A `fetch` to probe with (tests, proxies). Default the global one. */
  fetch?: typeof fetch;
}
