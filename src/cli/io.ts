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
