/**
 * Terminal styling for the CLI: only on a TTY, and never when `NO_COLOR` is
 * set (https://no-color.org).
 */

function enabled(stream: NodeJS.WriteStream): boolean {
  const noColor = process.env.NO_COLOR;
  return Boolean(stream.isTTY) && (noColor === undefined || noColor === '') && process.env.TERM !== 'dumb';
}

function wrap(open: number, close: number) {
  return function style(text: string, stream: NodeJS.WriteStream = process.stdout): string {
    return enabled(stream) ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  };
}

export const bold = wrap(1, 22);
export const green = wrap(32, 39);
export const yellow = wrap(33, 39);
export const red = wrap(31, 39);
export const dim = wrap(2, 22);
