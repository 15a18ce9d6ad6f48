/**
 * The program Deno runs: the package's root entry (bundled by esbuild from
 * src/index.ts, as a Deno or Workers user's bundler would) serving
 * `gate.fetch` on 127.0.0.1. Its only input is argv[0], a JSON
 * `{ issuer, publicUrl, tools }`; it prints `{"port":N}` once listening.
 * The handler echoes what the gate handed it, so the Node side can check it.
 */
import { createGatehouse } from '../../src/index.js';

/** The slice of the Deno namespace this program uses (Deno's own types are not installed). */
declare const Deno: {
  args: string[];
  serve(
    options: { hostname: string; port: number; onListen(address: { port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
};

const settings = JSON.parse(Deno.args[0] ?? '{}') as { issuer: string; publicUrl: string; tools: Record<string, string[]> };
const gate = createGatehouse({ issuer: settings.issuer, publicUrl: settings.publicUrl, scopes: { tools: settings.tools } });

Deno.serve(
  { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(JSON.stringify({ port })) },
  (request) =>
    gate.fetch(request, (_req, authInfo) =>
      Response.json({ runtime: typeof (globalThis as { Deno?: unknown }).Deno === 'object' ? 'deno' : 'other', authInfo: authInfo ?? null }),
    ),
);
