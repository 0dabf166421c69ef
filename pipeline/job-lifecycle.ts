import type { FailureRecord, NotificationsRecord, OutputKeys, StatusRecord } from '../contract/status-record';
import { NotescribeError } from '../core/errors';
import type { StatusStore } from './status-store';

/**
 * A job's life, as transitions of its status record (`status/<upload>.json`), each a named function over one
 * compare-and-swap loop (`transition`): read the record and its ETag, decide, write conditionally (If-None-Match: *
 * to create, If-Match: <etag> to replace), and on a lost race read and decide again. Like Powertools' idempotency
 * persistence layer (saveInProgress / saveSuccess over INPROGRESS / COMPLETED), the adapters only call these:
 *
 *   (none) ──enqueueJob──► queued ──claimJob──► processing ──completeJob──► done | failed ──recordNotifications
 *                            └────────────────────completeJob (bad upload, from ingest)──────┘
 *
 * Every transition first checks the record still belongs to the same job (a newer upload of the same key replaces
 * it: `superseded`).
 */

/** How many lost races a transition tolerates before it gives up (each one means another writer got there first). */
const TRANSITION_ATTEMPTS = 5;

/** What a transition decides on seeing the current record: write `next` and answer `result`, or only answer. */
type Decision<T> = { readonly next: StatusRecord; readonly result: T } | { readonly result: T };

/**
 * The one compare-and-swap loop. `decide` sees the current record (undefined if none) and returns the next one to
 * write, or just the answer when nothing is to be written.
 * @throws NotescribeError `INTERNAL` when the record keeps changing under it.
 */
async function transition<T>(store: StatusStore, key: string, decide: (current: StatusRecord | undefined) => Decision<T>): Promise<T> {
  for (let attempt = 0; attempt < TRANSITION_ATTEMPTS; attempt++) {
    const current = await store.read(key);
    const decision = decide(current?.record);
    if (!('next' in decision)) return decision.result;
    const written = current ? await store.replace(key, decision.next, current.etag) : await store.create(key, decision.next);
    if (written !== undefined) return decision.result;
  }
  throw new NotescribeError('INTERNAL', `status record ${key} keeps changing under us`, { context: { key } });
}

const isFinal = (record: StatusRecord): boolean => record.state === 'done' || record.state === 'failed';
const now = (): string => new Date().toISOString();

/**
 * Ingest: creates the record of a new upload version (queued), or replaces the record of an older version of the
 * same key. `duplicate` when an event for this very version already got past queued (S3 delivers events at least
 * once); `queued` again for a record still queued (an earlier ingest of it died), so the work is redone.
 */
export function enqueueJob(store: StatusStore, key: string, queued: StatusRecord): Promise<'queued' | 'duplicate'> {
  return transition(store, key, (current) => {
    if (current?.jobId === queued.jobId) return { result: current.state === 'queued' ? 'queued' : 'duplicate' };
    return { next: queued, result: 'queued' };
  });
}

/** Ingest: records the analysed upload's numbers on its queued record. */
export function recordAnalysis(
  store: StatusStore,
  key: string,
  jobId: string,
  numbers: { readonly windowCount: number; readonly durationSeconds: number },
): Promise<boolean> {
  return transition(store, key, (current) =>
    current?.jobId === jobId && current.state === 'queued' ? { next: { ...current, ...numbers }, result: true } : { result: false },
  );
}

/** What `claimJob` found. */
export type ClaimResult = 'claimed' | 'held-elsewhere' | 'finished' | 'superseded';

/**
 * Worker: moves the job to processing for this job message. `held-elsewhere`: another message (a duplicate event)
 * holds it; `finished`: done or failed already (maybe without notifications); `superseded`: a newer upload. A
 * redelivery of the claiming message itself (its worker died) takes the job over.
 */
export function claimJob(store: StatusStore, key: string, jobId: string, messageId: string): Promise<ClaimResult> {
  return transition<ClaimResult>(store, key, (current) => {
    if (current?.jobId !== jobId) return { result: 'superseded' };
    if (isFinal(current)) return { result: 'finished' };
    if (current.state === 'processing' && current.claimedBy !== messageId) return { result: 'held-elsewhere' };
    return {
      next: { ...current, state: 'processing', claimedBy: messageId, times: { ...current.times, processing: now() } },
      result: 'claimed',
    };
  });
}

/** The final state a job reaches, as the status record keeps it. */
export type FinalState =
  | { readonly state: 'done'; readonly outputs: OutputKeys; readonly noteCount: number }
  | { readonly state: 'failed'; readonly error: FailureRecord; readonly errorKey: string };

/** What `completeJob` did: `finished` for the one caller that moved the job to its final state. */
export type CompleteResult = 'finished' | 'already-finished' | 'superseded';

/**
 * Worker (or ingest, for a bad upload): moves the job from queued or processing to done or failed. Conditional, so of
 * two holders of the same job exactly one gets `finished` and announces it.
 */
export function completeJob(store: StatusStore, key: string, jobId: string, final: FinalState): Promise<CompleteResult> {
  return transition<CompleteResult>(store, key, (current) => {
    if (current?.jobId !== jobId) return { result: 'superseded' };
    if (isFinal(current)) return { result: 'already-finished' };
    return { next: { ...current, ...final, times: { ...current.times, [final.state]: now() } }, result: 'finished' };
  });
}

/** Sender: merges how each channel fared into the finished job's record. */
export function recordNotifications(store: StatusStore, key: string, jobId: string, notifications: NotificationsRecord): Promise<boolean> {
  return transition(store, key, (current) =>
    current?.jobId === jobId
      ? { next: { ...current, notifications: { ...current.notifications, ...notifications } }, result: true }
      : { result: false },
  );
}

/** Reads a job's record if it is still this job's (else undefined: gone or superseded). */
export async function readJob(store: StatusStore, key: string, jobId: string): Promise<StatusRecord | undefined> {
  const current = await store.read(key);
  return current?.record.jobId === jobId ? current.record : undefined;
}

export { isFinal };
