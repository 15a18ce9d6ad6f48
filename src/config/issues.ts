import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { envNameOf } from './env.js';

/** How {@link describeIssues} names the settings of one section. */
export interface IssueContext {
  /** The first line: `Invalid Gatehouse config`, `Invalid proxy settings`. */
  title: string;
  /** Env var names by setting path, from the top of the config file. */
  envNames: Record<string, string>;
  /** Where the validated value lies in the config file, e.g. `['proxy']`; the top when unset. */
  section?: readonly string[];
  /** Name the setting only (`proxy.passEnv`), not the element within it (`proxy.passEnv.0`). */
  settingOnly?: boolean;
}

/** The value the user wrote at a path (zod 4 issues do not carry their input by default). */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown, context: IssueContext): string {
  const shown = context.settingOnly ? issue.path.slice(0, 1) : issue.path;
  const path = [...(context.section ?? []), ...shown].join('.');
  const env = path === '' ? undefined : envNameOf(path, context.envNames);
  const where = path === '' ? 'config' : env ? `${path} (${env})` : path;
  const value = valueAt(input, issue.path);
  if (issue.code === 'invalid_type' && value === undefined) {
    const hint = path === 'issuer'
      ? ' Set OAUTH_ISSUER_URL to your identity provider\'s issuer URL, e.g. https://login.example.com/realms/main.'
      : '';
    return `${where} is required.${hint}`;
  }
  if (issue.code === 'unrecognized_keys') return `${where}: unknown setting(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  // The kind of value only, never its text: a misplaced section can hold a client secret.
  if (issue.code === 'invalid_type') return `${where}: ${issue.message} (got ${kindOf(value)})`;
  return `${where}: ${issue.message}`;
}

/**
 * The one way a wrong setting is told: a `ConfigError` listing each issue
 * with its setting path and the env var that sets it, and how to fix it.
 *
 * @example
 * ```ts
 * const result = configSchema.safeParse(input);
 * if (!result.success) throw describeIssues(result.error, input, { title: 'Invalid Gatehouse config', envNames: ENV_NAMES });
 * ```
 */
export function describeIssues(error: z.ZodError, input: unknown, context: IssueContext): ConfigError {
  const lines = error.issues.map((issue) => `  - ${describeIssue(issue, input, context)}`);
  return new ConfigError(`${context.title}:\n${lines.join('\n')}`);
}
