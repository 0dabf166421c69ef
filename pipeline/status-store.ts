import { GetObjectCommand, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { parseStatusRecord, type StatusRecord } from '../contract/status-record';

/** A status record with the ETag it was read or written under, for the next conditional write. */
export interface StoredStatus {
  readonly record: StatusRecord;
  readonly etag: string;
}

/** True for the answers S3 gives when a conditional write loses: 412 (condition false) or 409 (a concurrent one). */
export function isConditionFailure(error: unknown): boolean {
  const status = (error as S3ServiceException | undefined)?.$metadata?.httpStatusCode;
  return status === 412 || status === 409;
}

export function isNotFound(error: unknown): boolean {
  const e = error as S3ServiceException | undefined;
  return e?.$metadata?.httpStatusCode === 404 || e?.name === 'NoSuchKey' || e?.name === 'NotFound';
}

/**
 * Writes `body` at `key` only if nothing is there yet (PutObject with If-None-Match: *). Returns false when an object
 * already exists: S3 objects appear whole, so an existing output is a complete one from an earlier attempt.
 */
export async function putIfAbsent(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Uint8Array | string,
  contentType: string,
): Promise<boolean> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: '*' }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Status records in S3 with optimistic concurrency: `create` succeeds for exactly one writer, `replace` only if the
 * record still has the ETag the caller read. Works on AWS S3, LocalStack ≥ 3.8 and moto ≥ 5.0. The job's
 * transitions over these live in job-lifecycle.ts.
 */
export class StatusStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** The record at `key`, or undefined if there is none. */
  async read(key: string): Promise<StoredStatus | undefined> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = (await response.Body?.transformToString('utf-8')) ?? '';
      return { record: parseStatusRecord(text), etag: response.ETag ?? '' };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Creates the record if none exists. Returns its ETag, or undefined if another writer got there first. */
  async create(key: string, record: StatusRecord): Promise<string | undefined> {
    return this.put(key, record, { IfNoneMatch: '*' });
  }

  /** Replaces the record if it still has `etag`. Returns the new ETag, or undefined if it changed meanwhile. */
  async replace(key: string, record: StatusRecord, etag: string): Promise<string | undefined> {
    return this.put(key, record, { IfMatch: etag });
  }

  private async put(
    key: string,
    record: StatusRecord,
    condition: { IfNoneMatch: string } | { IfMatch: string },
  ): Promise<string | undefined> {
    try {
      const response = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(record, null, 2),
          ContentType: 'application/json',
          ...condition,
        }),
      );
      return response.ETag ?? '';
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
