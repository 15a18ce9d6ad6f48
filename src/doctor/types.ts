/**
 * The shapes of a doctor's report. `--json` prints a `DoctorReport` as is, so
 * these names are a contract: add fields, never rename or remove them.
 */

/** The real MCP clients the doctor imitates (see clients.md in the project's reference). */
export type ProfileId = 'sdk' | 'sdk-v2' | 'inspector' | 'mcp-remote' | 'claude' | 'claude-code' | 'vscode' | 'cursor';

/**
 * The stages of a client's sign-in the doctor checks, in the order clients
 * meet them; `era` last: whether the server speaks the protocol era the
 * client talks once signed in (observed only with a token).
 */
export type StepId = 'challenge' | 'prm' | 'as-metadata' | 'pkce' | 'registration' | 'cors' | 'era';

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

/**
 * Which protocol eras the server speaks, as the doctor saw them with a
 * token: `modern`, MCP 2026-07-28 (`server/discover` offers it); `legacy`,
 * the 2025 revisions (`initialize` answers). `'unknown'` without a token
 * (every request gets the same 401) or when the token was refused.
 */
export interface ServerEras {
  modern: boolean | 'unknown';
  legacy: boolean | 'unknown';
  /** `supportedVersions` from `server/discover`, when it answered. */
  supportedVersions?: string[];
  /** What `server/discover` answered instead, when it gave no `supportedVersions` (`400`, `timed out after 10000 ms`). */
  discoverAnswer?: string;
  /** Why the eras are unknown, when they are. */
  unknownBecause?: string;
}

/** Everything `gatehouse doctor` found about one MCP server URL. */
export interface DoctorReport {
  url: string;
  profiles: ProfileResult[];
  steps: StepInfo[];
  findings: Finding[];
  summary: { fail: number; warn: number; info: number };
  eras: ServerEras;
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
  /** An access token for the server, to see which eras it speaks (never printed). Default none. */
  token?: string;
}
