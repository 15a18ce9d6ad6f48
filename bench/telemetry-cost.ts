/**
 * What the telemetry hooks cost the gate's check on a repeated token (the
 * verification cache answers): the same `gate.authenticate` with no
 * telemetry, with the audit hook only (the CLI servers with metrics off) and
 * with the metrics hook too. CPU µs per check, 20,000 sequential checks per
 * batch, variants interleaved, 7 rounds, medians. Runnable alone:
 * `node --import tsx bench/telemetry-cost.ts`.
 */
import { createGatehouse } from '../src/gatehouse.js';
import { startTestIssuer } from '../src/testing/index.js';
import type { Telemetry } from '../src/telemetry/types.js';
import { formatNumber, median, table } from './stats.js';

const CHECKS = 20_000;
const ROUNDS = 7;

async function main(): Promise<void> {
  const issuer = await startTestIssuer({ audience: 'http://localhost:3000/mcp' });
  const token = await issuer.mint({ sub: 'bench-user' });
  const variants: [string, Telemetry | undefined][] = [
    ['no telemetry', undefined],
    ['audit only (metrics off)', { audit: () => {} }],
    ['audit + gateChecked (metrics on)', { audit: () => {}, gateChecked: () => {} }],
  ];
  const gates = variants.map(([name, telemetry]) => ({ name, gate: createGatehouse({ issuer: issuer.issuer, publicUrl: 'http://localhost:3000' }, { telemetry }) }));
  try {
    await Promise.all(gates.map(({ gate }) => gate.ready()));
    const request = { method: 'POST', url: 'http://localhost:3000/mcp', pathname: '/mcp', headers: new Headers({ authorization: `Bearer ${token}` }) };
    const cpu = new Map<string, number[]>(gates.map(({ name }) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const { name, gate } of gates) {
        const before = process.cpuUsage();
        for (let i = 0; i < CHECKS; i++) await gate.authenticate(request, { body: null });
        const used = process.cpuUsage(before);
        cpu.get(name)!.push((used.user + used.system) / CHECKS);
      }
    }
    const base = median(cpu.get('no telemetry')!);
    console.log(`\nTelemetry hooks: gate.authenticate on a repeated token, CPU µs per check, ${ROUNDS} rounds x ${formatNumber(CHECKS)} checks, medians.\n`);
    console.log(
      table(
        ['telemetry', 'CPU µs/check', 'vs none'],
        gates.map(({ name }) => [name, formatNumber(median(cpu.get(name)!), 2), `+${formatNumber(median(cpu.get(name)!) - base, 2)} µs`]),
      ),
    );
  } finally {
    for (const { gate } of gates) gate.close();
    await issuer.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
