import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { pino } from 'pino';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { HASHED_FIELDS, UNHASHED_FIELDS } from '../domain/user-data';

/**
 * Fields that could carry a secret or a (hashed) personal identifier, wherever they appear one or
 * two levels deep in a log entry: they are replaced by "[redacted]". Our own code never logs them;
 * this is the net under it.
 */
const REDACT = [
  'authorization', 'access_token', 'refresh_token', 'conversion_token', 'client_secret', 'taskToken',
  // Routy's raw user object and the hashed user data, whole; and their fields wherever they stand
  // alone. Raw field names like `state` or `city` are left out: they would hide the SDK's own
  // fields (a worker's `state`), and raw values only ever travel inside `user`.
  'user', 'user_data', 'email', 'phone', ...HASHED_FIELDS, ...UNHASHED_FIELDS,
].flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

/**
 * The process's structured logger: one JSON object per line (pino) with `service`, a level name and
 * an ISO time. Entries from workflows and activities carry `workflowId`, `runId` and, where known,
 * `ad_account_id`. `ROUTY_LOG_LEVEL` (TRACE..ERROR) sets the level.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): PinoLogger {
  return pino(
    {
      level: level.toLowerCase(),
      base: { service: 'routy-pinterest' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination,
  );
}

/**
 * The Temporal SDK's logger interface over pino, for `Runtime.install`: SDK, worker, workflow and
 * activity logs go to the same JSON stream. The workflow id of a workflow's ad account names it
 * (`pinterest-ad-account-<id>`), so `ad_account_id` is added from it.
 */
export class TemporalPinoLogger implements TemporalLogger {
  constructor(private readonly logger: PinoLogger) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
    const account = workflowId?.match(/^pinterest-ad-account-(\d+)$/)?.[1];
    const entry: LogMetadata = account && meta.ad_account_id === undefined ? { ...meta, ad_account_id: account } : { ...meta };
    // Errors serialize to {} in JSON: keep their message, type and stack.
    for (const [key, value] of Object.entries(entry)) {
      if (value instanceof Error) entry[key] = { type: value.name, message: value.message, stack: value.stack };
    }
    this.logger[level === 'TRACE' ? 'trace' : level === 'DEBUG' ? 'debug' : level === 'INFO' ? 'info' : level === 'WARN' ? 'warn' : 'error'](entry, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
