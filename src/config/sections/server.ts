import { z } from 'zod';
import { envNames, readEnv } from '../env.js';
import { describeIssues } from '../issues.js';
import { mergeLayers } from '../merge.js';
import { port, seconds, type EnvTable } from '../values.js';
import { LOG_ENV, logSectionSchema, type LogSettings } from './log.js';
import { METRICS_ENV, metricsAddress, metricsSectionSchema, type MetricsAddress } from './metrics.js';

/**
 * The `server` section: how the CLI's servers (`demo`, `proxy`) listen and
 * stop. The core config does not know it: the library never listens by itself.
 */

export const serverSectionSchema = z.object({
  /** Address to bind; `localhost` binds 127.0.0.1 and ::1. */
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  /** On SIGINT/SIGTERM, how long open requests and streams may take to finish before they are closed. */
  shutdownTimeoutSec: z.number().min(0).max(3600).optional(),
});

/** Env vars of the `server` section, by setting path. */
export const SERVER_ENV: EnvTable = {
  'server.host': ['HOST'],
  'server.port': ['PORT', port],
  'server.shutdownTimeoutSec': ['GATEHOUSE_SHUTDOWN_TIMEOUT', seconds],
};

const RUNTIME_ENV: EnvTable = { ...SERVER_ENV, ...LOG_ENV, ...METRICS_ENV };

const runtimeSectionsSchema = z.object({ server: serverSectionSchema.optional(), log: logSectionSchema.optional(), metrics: metricsSectionSchema.optional() });

/** The `server` and `log` sections as one layer: a file's, the env vars', the flags'. */
export type RuntimeLayer = z.input<typeof runtimeSectionsSchema>;

/** Where and how a CLI server runs. */
export interface RuntimeSettings {
  host: string;
  port: number;
  /** From `GATEHOUSE_SHUTDOWN_TIMEOUT` (seconds); default 10 s. */
  shutdownTimeoutMs: number;
  log: LogSettings;
  /** The Prometheus listener (`GATEHOUSE_METRICS_ADDR`); unset: no metrics. */
  metrics?: MetricsAddress;
}

function setIn(layer: RuntimeLayer, path: string): boolean {
  const [section, key] = path.split('.') as ['server' | 'log' | 'metrics', string];
  return (layer[section] as Record<string, unknown> | undefined)?.[key] !== undefined;
}

/**
 * Host, port, shutdown timeout and log settings, each from its flag, else
 * its env var, else the config file, else the default. The file's sections
 * are checked against their schema; env vars by their parsers (a
 * `ConfigError` each); the log format and level when the logger is made.
 *
 * @example
 * ```ts
 * const runtime = resolveRuntimeSettings(fileLayer, process.env, { server: { port: 8080 } });
 * runtime.host; // 'localhost'
 * ```
 */
export function resolveRuntimeSettings(file: Record<string, unknown>, env: Record<string, string | undefined>, flags: RuntimeLayer = {}): RuntimeSettings {
  const sections = { server: file.server, log: file.log, metrics: file.metrics };
  const fromFile = runtimeSectionsSchema.safeParse(sections);
  if (!fromFile.success) throw describeIssues(fromFile.error, sections, { title: 'Invalid Gatehouse config', envNames: envNames(RUNTIME_ENV) });
  // A setting a flag gives is not read from its env var: a platform's stray PORT does not stop `--port`.
  const unflagged = Object.fromEntries(Object.entries(RUNTIME_ENV).filter(([path]) => !setIn(flags, path)));
  const { server = {}, log = {}, metrics } = mergeLayers<RuntimeLayer>(fromFile.data, readEnv(unflagged, env), flags);
  const settings: RuntimeSettings = {
    host: server.host ?? 'localhost',
    port: server.port ?? 3000,
    shutdownTimeoutMs: Math.round((server.shutdownTimeoutSec ?? 10) * 1000),
    log,
  };
  const metricsAt = metricsAddress(metrics);
  if (metricsAt) settings.metrics = metricsAt;
  return settings;
}
