#!/usr/bin/env node
import { runCli } from './run.js';

// The `gatehouse` executable. Everything testable lives in run.ts.
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
