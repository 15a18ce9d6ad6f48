/** Where the CLI writes: stdout and stderr by default, something else in tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** Wrong flags or arguments: printed with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A flag read like its env var, except that a wrong value is a UsageError
 * (exit 2, with the usage), not a ConfigError.
 *
 * @example
 * ```ts
 * parsedFlag(values['idle-timeout'], '--idle-timeout', parseDuration); // 600 for "10m"
 * ```
 */
export function parsedFlag<T>(value: string | undefined, flag: string, parse: (value: string, from: string) => T): T | undefined {
  if (value === undefined) return undefined;
  try {
    return parse(value, flag);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
