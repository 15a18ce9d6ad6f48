import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { CLI_SECTIONS } from './file-shape.js';
import { valueAt } from './issues.js';
import { configSchema } from './schema.js';
import { isSecretName } from './secret-names.js';

/**
 * A config file checked on its own, before it is merged with env vars and
 * flags: every wrong value in it is told at once, by its key in that file,
 * with what to write instead. (Once merged, a wrong value can no longer be
 * traced to the file, and zod's own text says the type twice and names an
 * env var the user never set.) A setting the file leaves out is not its
 * problem: env vars or flags may set it, and the merged config is checked
 * for what is required.
 */

const fileSchema = z.object({ ...configSchema.shape, ...CLI_SECTIONS });

const KIND_NAMES: Record<string, string> = {
  array: 'a list',
  object: 'a mapping of settings',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  record: 'a mapping',
};

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/** The value may be quoted back in a fix unless its key says it holds a secret. */
function quotable(path: readonly PropertyKey[]): boolean {
  return !path.some((key) => typeof key === 'string' && isSecretName(key));
}

function fixForType(expected: string, value: unknown, path: readonly PropertyKey[]): string {
  const show = quotable(path);
  if (expected === 'array' && typeof value === 'string') {
    // The env vars take space- or comma-separated lists; in a file a list is written as one.
    const items = value.split(/[\s,]+/).filter(Boolean);
    return show ? `write it as a list: ${JSON.stringify(items)}` : 'write it as a list: ["..."]';
  }
  if (expected === 'number' && typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed !== '' && Number.isFinite(Number(trimmed))) return show ? `write the number without quotes: ${Number(trimmed)}` : 'write the number without quotes';
    const last = path[path.length - 1];
    // Env vars and flags take `30s`, `10m`; the file's durations are plain seconds.
    if (typeof last === 'string' && last.endsWith('Sec')) return 'write a number of seconds without quotes ("30s" and "10m" are for env vars and flags)';
    return 'write a number without quotes';
  }
  if (expected === 'boolean' && typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
    return `write ${value.trim().toLowerCase()} without quotes`;
  }
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    return show ? `put it in quotes: ${JSON.stringify(String(value))}` : 'put it in quotes';
  }
  if (expected === 'object') return 'write its settings as a mapping; `gatehouse config schema` lists them';
  return `write ${KIND_NAMES[expected] ?? expected}`;
}

/** The kinds a union accepts, from the first issue of each of its branches. */
function unionKinds(issue: z.core.$ZodIssueInvalidUnion): string[] {
  const kinds = issue.errors.flatMap((branch) => {
    const first = branch[0];
    return first?.code === 'invalid_type' ? [KIND_NAMES[first.expected] ?? first.expected] : [];
  });
  return [...new Set(kinds)];
}

function describe(issue: z.core.$ZodIssue, data: unknown): string | undefined {
  const value = valueAt(data, issue.path);
  const key = issue.path.map(String).join('.') || '(the whole file)';
  switch (issue.code) {
    case 'invalid_type':
      // Left out: env vars or flags may still set it; the merged config says what is required.
      if (value === undefined) return undefined;
      return `${key}: expected ${KIND_NAMES[issue.expected] ?? issue.expected}, got ${kindOf(value)}; ${fixForType(issue.expected, value, issue.path)}`;
    case 'invalid_union': {
      const kinds = unionKinds(issue);
      return kinds.length > 0 ? `${key}: expected ${kinds.join(' or ')}, got ${kindOf(value)}` : `${key}: ${issue.message}`;
    }
    case 'invalid_value':
      return `${key}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      // The schemas' own messages either say what is expected ("an initial access token of at least 16 characters") or what is wrong.
      return /^an? /.test(issue.message) ? `${key}: expected ${issue.message}` : `${key}: ${issue.message}`;
  }
}

/**
 * Checks a config file's settings; throws one `ConfigError` naming the file
 * and listing every wrong value in it by key, each with its fix.
 *
 * @example
 * ```ts
 * checkConfigFile('gatehouse.config.json', { scopes: { required: 'mcp:tools' } });
 * // ConfigError: Config file gatehouse.config.json has 1 problem:
 * //   - scopes.required: expected a list, got a string; write it as a list: ["mcp:tools"]
 * ```
 */
export function checkConfigFile(file: string, data: Record<string, unknown>): void {
  const result = fileSchema.safeParse(data);
  if (result.success) return;
  const problems = result.error.issues.map((issue) => describe(issue, data)).filter((line): line is string => line !== undefined);
  if (problems.length === 0) return;
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new ConfigError(`Config file ${file} has ${count}:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
}
