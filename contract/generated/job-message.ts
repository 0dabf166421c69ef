// Generated from contract/job-message.schema.json by scripts/contract-types.ts (npm run generate:contract).
// Do not edit: change the schema and regenerate; test/contract/generated-types.test.ts fails while this is stale.

/**
 * Sent by the ingest Lambda to the jobs queue, one per upload. A claim check: it names S3 objects and carries no audio or features.
 */
export interface JobMessage {
  /**
   * The only message version this build sends and accepts: a receiver refuses other versions rather than guess.
   */
  readonly version: 1;
  /**
   * Hex id derived from bucket, key and ETag, so duplicate S3 events map to one job (contract/keys.ts `jobIdFor`).
   */
  readonly jobId: string;
  readonly bucket: string;
  /**
   * The uploaded object's key, decoded (as stored in S3).
   */
  readonly uploadKey: string;
  /**
   * ETag of the uploaded object, without quotes.
   */
  readonly sourceEtag: string;
  /**
   * Feature file written by ingest (core/features `encodeFeatureFile`).
   */
  readonly featuresKey: string;
  /**
   * The job's status record.
   */
  readonly statusKey: string;
  /**
   * Outputs go under this prefix; ends with '/'.
   */
  readonly resultsPrefix: string;
  /**
   * Score title (from the file name).
   */
  readonly title: string;
  /**
   * Number of onset windows in the feature file, so the worker can plan batches before fetching it.
   */
  readonly windowCount: number;
  /**
   * Length of the audio, seconds.
   */
  readonly durationSeconds: number;
  readonly notify: JobNotify;
  /**
   * ISO 8601 UTC time the message was made.
   */
  readonly createdAt: string;
  readonly hints?: JobHints;
}
/**
 * Where the job's notifications go; both are optional.
 *
 * This interface was referenced by `JobMessage`'s JSON-Schema
 * via the `definition` "JobNotify".
 */
export interface JobNotify {
  /**
   * http(s) URL that receives the signed JSON outcome.
   */
  readonly webhookUrl?: string;
  /**
   * Address that receives the outcome by email (SES).
   */
  readonly email?: string;
}
/**
 * What the uploader knows about the score, as typed in the upload's metadata (x-amz-meta-title, -composer, -tempo, -time-signature, -key): the same fields as core/notation's `ScoreHintText`, checked at ingest with core/notation parseScoreHints, honoured by the worker's rendering.
 *
 * This interface was referenced by `JobMessage`'s JSON-Schema
 * via the `definition` "JobHints".
 */
export interface JobHints {
  readonly title?: string;
  readonly composer?: string;
  readonly tempo?: string;
  readonly timeSignature?: string;
  readonly key?: string;
}
