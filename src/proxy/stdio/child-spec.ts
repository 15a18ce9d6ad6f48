import { subjectOf } from '../../adapters/mcp/auth.js';
import type { AuthInfo } from '../../tokens/types.js';

/** Which child serves a caller: its key in the bridge, a label for logs, and the subject it runs for. */
export interface ChildOwner {
  /** `shared`, `sub:<subject>` or, for a token without a subject, `client:<client id>`. */
  key: string;
  label: string;
  /** The subject the child runs for; undefined for a shared child. */
  subject?: string;
}

/**
 * The child a caller gets: their own, by token subject (so users never see
 * each other's state), by client for tokens without one, or the shared one.
 *
 * @example
 * ```ts
 * childOwner(authInfo, false); // { key: 'sub:alice', label: 'subject "alice"', subject: 'alice' }
 * ```
 */
export function childOwner(authInfo: AuthInfo, shared: boolean): ChildOwner {
  if (shared) return { key: 'shared', label: 'every user' };
  const subject = subjectOf(authInfo);
  if (subject !== undefined) return { key: `sub:${subject}`, label: `subject ${JSON.stringify(subject)}`, subject };
  return { key: `client:${authInfo.clientId}`, label: `client ${JSON.stringify(authInfo.clientId)}` };
}

/** Where a child's environment comes from. */
export interface ChildEnvOptions {
  env?: Record<string, string>;
  passEnv?: string[];
  envSubject?: string;
}

/**
 * The variables a child gets beyond the SDK's minimal default: the fixed
 * `env`, the `passEnv` names found in `parentEnv`, and with `envSubject` the
 * caller's subject. Never anything else of Gatehouse's environment.
 *
 * @example
 * ```ts
 * childEnv({ passEnv: ['HOME'], envSubject: 'MCP_USER' }, process.env, 'alice'); // { HOME: '/home/x', MCP_USER: 'alice' }
 * ```
 */
export function childEnv(options: ChildEnvOptions, parentEnv: NodeJS.ProcessEnv, subject: string | undefined): Record<string, string> {
  const env: Record<string, string> = { ...options.env };
  for (const name of options.passEnv ?? []) {
    const value = parentEnv[name];
    if (value !== undefined) env[name] = value;
  }
  if (options.envSubject && subject !== undefined) env[options.envSubject] = subject;
  return env;
}
