import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the signature: `Notescribe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'Notescribe-Signature';

/**
 * The header naming one outcome: `<jobId>:<state>`, the same on every retry and every redelivery of that outcome.
 * Webhooks are at-least-once (a sender that dies after the POST but before recording it sends again), so a receiver
 * that must act once keeps the keys it has seen (IETF draft "The Idempotency-Key HTTP Header Field").
 */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** The header counting deliveries of one outcome (1, 2, …), for the receiver's logs; not part of the key. */
export const DELIVERY_ATTEMPT_HEADER = 'Notescribe-Delivery-Attempt';

/** The idempotency key of a job's outcome. */
export function idempotencyKeyFor(jobId: string, state: string): string {
  return `${jobId}:${state}`;
}

/** Receivers should refuse signatures older than this, to stop replays. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/** HMAC-SHA256 of `${timestamp}.${body}` with the shared secret, hex. */
export function computeSignature(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/** The header value for a body signed at `timestampSeconds` (unix seconds). */
export function signatureHeader(secret: string, timestampSeconds: number, body: string): string {
  return `t=${timestampSeconds},v1=${computeSignature(secret, timestampSeconds, body)}`;
}

/**
 * Verifies a `Notescribe-Signature` header against the raw body. Returns false (never throws) on any mismatch, a
 * malformed header or a timestamp outside the tolerance.
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  if (!header) return false;
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) return false;
    const name = item.slice(0, eq).trim();
    parts.set(name, [...(parts.get(name) ?? []), item.slice(eq + 1).trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isInteger(t)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(computeSignature(secret, t, body), 'hex');
  // several v1 values let a sender sign with an old and a new secret while rotating
  return (parts.get('v1') ?? []).some((candidate) => {
    const given = Buffer.from(candidate, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
