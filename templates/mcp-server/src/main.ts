import { existsSync } from 'node:fs';
import { configFromEnv } from 'mcp-gatehouse';
import { startServer } from './app.js';

// Settings come from the environment (see .env.example); a .env file here is read first.
if (existsSync('.env')) process.loadEnvFile('.env');

const running = await startServer(configFromEnv(process.env), {
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '127.0.0.1',
});
const mode = running.config.mode === 'authority' ? 'Gatehouse signs users in' : `tokens from ${running.config.issuer}`;
console.log(`MCP server ready at ${running.mcpUrl} (${mode})`);

let stopping = false;
async function stop(signal: NodeJS.Signals) {
  if (stopping) process.exit(1); // a second Ctrl-C: do not wait
  stopping = true;
  console.log(`${signal}: finishing open requests, then stopping`);
  await running.close(Number(process.env.GATEHOUSE_SHUTDOWN_TIMEOUT ?? 10) * 1000);
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
