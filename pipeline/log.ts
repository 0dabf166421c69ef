import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs through Powertools' Logger (one line per entry: level, message, timestamp, service, the
 * component, then the fields given). CloudWatch and ECS both index JSON lines. A job's keys (jobId, uploadKey) are
 * appended once, on a child logger (`forJob`), rather than repeated at every call.
 */
export type Log = Pick<Logger, 'info' | 'warn' | 'error' | 'debug' | 'createChild'>;

/** The service name every pipeline log line carries. */
export const LOG_SERVICE = 'notescribe';

/** A logger tagged with the component (`ingest`, `worker`, `notify`, …); `silent` drops everything (tests). */
export function createLog(component: string, options: { silent?: boolean } = {}): Log {
  return new Logger({ serviceName: LOG_SERVICE, logLevel: options.silent ? 'SILENT' : 'INFO', persistentKeys: { component } });
}

/** The logger for one job: every line it writes names the job. */
export function forJob(log: Log, job: { readonly jobId: string; readonly uploadKey: string }): Log {
  return log.createChild({ persistentKeys: { jobId: job.jobId, uploadKey: job.uploadKey } });
}
