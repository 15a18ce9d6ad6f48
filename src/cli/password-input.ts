/**
 * Where `gatehouse users add` gets a password: all of standard input
 * (`--password-stdin`, for scripts), or the terminal, asked twice without
 * echo. Prompts go to stderr so stdout stays clean.
 */

export interface PasswordInput {
  /** Everything on standard input, as text. */
  readAll(): Promise<string>;
  /** Asks on the terminal without echoing; absent when there is no terminal. */
  askHidden?: (question: string) => Promise<string>;
}

/**
 * Reads standard input to its end.
 *
 * @example
 * ```ts
 * const password = (await readAllStdin()).replace(/\r?\n$/, '');
 * ```
 */
async function readAllStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Thrown when the user presses Ctrl-C at a password prompt. */
export class PromptCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'PromptCancelled';
  }
}

/**
 * Reads one line from a TTY in raw mode, echoing nothing. Backspace deletes,
 * Enter ends, Ctrl-C cancels, Ctrl-D ends an empty answer.
 *
 * @example
 * ```ts
 * const password = await askHidden('Password: ', process.stdin, process.stderr);
 * ```
 */
export function askHidden(question: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise(function readHidden(resolve, reject) {
    let answer = '';
    function finish() {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
    }
    function onData(chunk: string) {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || (ch === '\u0004' && answer === '')) {
          finish();
          return resolve(answer);
        }
        if (ch === '\u0003') {
          finish();
          return reject(new PromptCancelled());
        }
        if (ch === '\u007f' || ch === '\b') answer = [...answer].slice(0, -1).join('');
        else if (ch >= ' ') answer += ch;
      }
    }
    stdin.on('data', onData);
  });
}

/**
 * The process's own standard input: a hidden prompt when it is a terminal.
 *
 * @example
 * ```ts
 * await runUsers(argv, process.env, io, terminalPasswordInput());
 * ```
 */
export function terminalPasswordInput(): PasswordInput {
  const { stdin, stderr } = process;
  return {
    readAll: () => readAllStdin(stdin),
    ...(stdin.isTTY ? { askHidden: (question: string) => askHidden(question, stdin, stderr) } : {}),
  };
}
