/**
 * Structured logs for Gatehouse's servers: JSON lines for machines, one
 * readable line for people at a terminal, and no token or secret in either.
 *
 * @example
 * ```ts
 * import { loggerFromSettings, logRequests } from '../log/index.js';
 *
 * const log = loggerFromSettings({ format: process.env.GATEHOUSE_LOG_FORMAT as 'json' | undefined });
 * http.createServer(logRequests(app, log, { protectedPath: '/mcp' })).listen(3000);
 * ```
 *
 * @packageDocumentation
 */
export { createLogger, silentLogger, type Logger, type LoggerOptions, type LogFields, type LogRecord } from './logger.js';
export { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel, type LogSettings } from '../config/sections/log.js';
export { loggerFromSettings, wantsColor, type LogDestination } from './settings.js';
export { logRequests, requestIdOf, gateDecision, type GateDecision, type NodeRequestHandler, type RequestLogOptions } from './request-log.js';
export { redact, redactString, isSecretName, REDACTED } from './redact.js';
export { formatPretty } from './pretty.js';
