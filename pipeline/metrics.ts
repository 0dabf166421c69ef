import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * CloudWatch metrics in the embedded metric format (Powertools' Metrics: JSON lines CloudWatch Logs turns into
 * metrics, no PutMetricData calls). One namespace; the component is a dimension. Published after each unit of work
 * (a Lambda batch, a worker batch). `POWERTOOLS_METRICS_DISABLED=true` turns them off (the tests do).
 */
export const METRICS_NAMESPACE = 'Notescribe';

export { MetricUnit };

/** What the pipeline records; the names are the CloudWatch metric names. */
export const METRIC = {
  /** A job reached done. */
  jobsDone: 'JobsDone',
  /** A job reached failed; also recorded with a `code` dimension (`failureByCode`). */
  jobsFailed: 'JobsFailed',
  /** An upload became a job message. */
  jobsQueued: 'JobsQueued',
  /** Windows and jobs in one worker batch. */
  batchWindows: 'BatchWindows',
  batchJobs: 'BatchJobs',
  /** Stage durations. */
  ingestMs: 'IngestMilliseconds',
  inferenceMs: 'InferenceMilliseconds',
  renderMs: 'RenderMilliseconds',
  /** A notification channel that failed; with a `channel` dimension. */
  notificationFailed: 'NotificationFailed',
} as const;

export type PipelineMetrics = Pick<Metrics, 'addMetric' | 'hasStoredMetrics' | 'publishStoredMetrics' | 'singleMetric'>;

/**
 * Publishes what was recorded, if anything: Powertools warns on every empty publish, and a batch of test events or
 * of already-sent outcomes records nothing.
 */
export function publishMetrics(metrics: PipelineMetrics | undefined): void {
  if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** The metrics of one component (`ingest`, `worker`, `notify`). */
export function createMetrics(component: string): PipelineMetrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'notescribe', defaultDimensions: { component } });
}

/** Counts a failure, once in total and once under its stable code. */
export function recordFailure(metrics: PipelineMetrics, code: string): void {
  metrics.addMetric(METRIC.jobsFailed, MetricUnit.Count, 1);
  const byCode = metrics.singleMetric();
  byCode.addDimension('code', code);
  byCode.addMetric(METRIC.jobsFailed, MetricUnit.Count, 1);
}
