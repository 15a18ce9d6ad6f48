/**
 * The README's TypeScript examples, as tests/e2e/readme-examples.test.ts
 * compiles and runs them. Each ```ts block is preceded by a marker comment
 * that says what it is:
 *
 *   <!-- example: run authority -->        a whole file: compiled strict, then run with Gatehouse's own authorization server
 *   <!-- example: run resource-server -->  a whole file: compiled strict, then run with OAUTH_ISSUER_URL set to a test issuer
 *   <!-- example: compiles -->             a whole file that needs a real identity provider: compiled strict only
 *   <!-- example: fragment -->             a part that reuses names from other blocks: neither
 *
 * A file that runs listens on port 3000 (the test gives it a free one
 * instead) and prints `MCP endpoint <url>` once it is listening.
 */

export type ExampleKind = 'run authority' | 'run resource-server' | 'compiles' | 'fragment';

export interface ReadmeExample {
  kind: ExampleKind;
  /** The README line the block starts on (1-based), for messages. */
  line: number;
  code: string;
}

const KINDS: readonly ExampleKind[] = ['run authority', 'run resource-server', 'compiles', 'fragment'];
const MARKER = /^<!--\s*example:\s*(.+?)\s*-->$/;

/**
 * Every ```ts block of a Markdown text with its marker; throws, naming the
 * line, for a block without one (so a new example cannot slip in untested).
 */
export function readmeExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split('\n');
  const examples: ReadmeExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const marker = MARKER.exec((lines[i - 1] ?? '').trim())?.[1];
    if (!marker || !KINDS.includes(marker as ExampleKind)) {
      throw new Error(
        `README.md line ${i + 1}: a \`\`\`ts block needs a marker on the line before it: ${KINDS.map((k) => `<!-- example: ${k} -->`).join(', ')} ` +
          '(see tests/helpers/readme-examples.ts for what each means)',
      );
    }
    const end = lines.findIndex((text, j) => j > i && /^```\s*$/.test(text));
    if (end < 0) throw new Error(`README.md line ${i + 1}: the block never ends`);
    examples.push({ kind: marker as ExampleKind, line: i + 1, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return examples;
}

/**
 * The npm packages an example imports (bare specifiers, `node:` and
 * `mcp-gatehouse` left out): `@scope/name` or `name`.
 */
export function importedPackages(code: string): string[] {
  const specifiers = [...code.matchAll(/\bfrom\s+'([^']+)'/g)].map((m) => m[1]!);
  const packages = specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!))
    .filter((name) => name !== 'mcp-gatehouse');
  return [...new Set(packages)];
}
