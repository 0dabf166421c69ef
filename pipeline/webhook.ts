import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import retry from 'async-retry';
import type { DeliveryRecord } from '../contract/status-record';
import { DELIVERY_ATTEMPT_HEADER, IDEMPOTENCY_KEY_HEADER, SIGNATURE_HEADER, signatureHeader } from '../contract/webhook-signature';
import { forbiddenAddressReason } from './address-guard';

export { forbiddenAddressReason, isForbiddenAddress } from './address-guard';

/** Thrown when a webhook URL is refused before any request is made. */
export class WebhookRefusedError extends Error {
  override readonly name = 'WebhookRefusedError';
}

/**
 * A DNS lookup that refuses forbidden addresses. It runs inside the connection, so the address checked is the one
 * connected to: a name cannot pass the check and then rebind to 127.0.0.1.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { family: options.family ?? 0, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      for (const { address } of allowPrivate ? [] : addresses) {
        const reason = forbiddenAddressReason(address);
        if (reason) return callback(new WebhookRefusedError(`${hostname} resolves to ${reason}`), '', 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 4);
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * Checks what can be checked without DNS: scheme, credentials in the URL, and literal IP hosts (Node skips the
 * lookup for those, so they must be checked here).
 * @throws WebhookRefusedError
 */
export function checkWebhookUrl(url: string, allowPrivate: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookRefusedError(`not a URL: ${url}`);
  }
  // the WHATWG parser lower-cases the scheme, so HTTP://… and Https://… arrive here as http: and https:
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new WebhookRefusedError(`scheme ${parsed.protocol} is not allowed`);
  }
  if (parsed.username || parsed.password) throw new WebhookRefusedError('credentials in webhook URLs are not allowed');
  // the parser gives literal IPv6 hosts in brackets and canonical hex (64:ff9b::10.0.0.1 becomes 64:ff9b::a00:1)
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const reason = !allowPrivate && isIP(host) !== 0 ? forbiddenAddressReason(host) : undefined;
  if (reason) throw new WebhookRefusedError(reason);
  if (!allowPrivate && /^(localhost|metadata\.google\.internal)\.?$/i.test(host)) {
    throw new WebhookRefusedError(`${host} is a forbidden host`);
  }
  return parsed;
}

/** Options of one webhook delivery. */
export interface WebhookDelivery {
  readonly url: string;
  /** The exact bytes signed and sent. */
  readonly body: string;
  readonly secret: string;
  readonly allowPrivate: boolean;
  /** Total attempts, ≥ 1. */
  readonly attempts: number;
  /** First backoff, ms; doubles each retry. */
  readonly minBackoffMs: number;
  /**
   * Deadline of the whole delivery, every attempt and backoff included, ms. Each attempt is cut when it runs out,
   * however the receiver behaves (silent, or one byte every few seconds): a socket idle timeout alone would not stop
   * a receiver that trickles.
   */
  readonly deadlineMs: number;
  /** Sent as `Idempotency-Key` (see contract/webhook-signature.ts). */
  readonly idempotencyKey: string;
  /** Unix seconds; defaults to now at each attempt. */
  readonly now?: () => number;
}

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** One POST, answered or cut at `deadline` (epoch ms): connection, headers and body all count. */
function post(url: URL, body: string, headers: Record<string, string>, allowPrivate: boolean, deadline: number): Promise<number> {
  const transport = url.protocol === 'https:' ? https : http;
  const budget = Math.max(0, deadline - Date.now());
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method: 'POST', headers, lookup: guardedLookup(allowPrivate) }, (response) => {
      // the status is all we need; the body is drained so the socket closes, and the timer still bounds it
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    const timer = setTimeout(() => request.destroy(new DeadlineError(`no complete answer within the ${budget} ms left of the deadline`)), budget);
    request.on('close', () => clearTimeout(timer));
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * POSTs a signed JSON body, retrying network errors, 429 and 5xx with exponential backoff (async-retry) until the
 * attempts or the deadline run out; other 4xx and refused URLs are not retried. Never throws: the outcome is returned
 * as a delivery record for the status record.
 */
export async function deliverWebhook(options: WebhookDelivery): Promise<DeliveryRecord> {
  let attempts = 0;
  let lastStatus: number | undefined;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const deadline = Date.now() + options.deadlineMs;
  // another attempt only if it can start before the deadline (async-retry waits minBackoffMs · 2^(n-1) before attempt n+1)
  const timeForAnother = (): boolean => Date.now() + options.minBackoffMs * 2 ** (attempts - 1) < deadline;
  const result = (ok: boolean, error?: string): DeliveryRecord => ({
    ok,
    attempts,
    at: new Date().toISOString(),
    target: options.url,
    ...(lastStatus !== undefined ? { status: lastStatus } : {}),
    ...(error !== undefined ? { error } : {}),
  });
  let url: URL;
  try {
    url = checkWebhookUrl(options.url, options.allowPrivate);
  } catch (error) {
    return result(false, `refused: ${(error as Error).message}`);
  }
  try {
    await retry(
      async (bail) => {
        attempts++;
        const headers = {
          'Content-Type': 'application/json',
          'User-Agent': 'notescribe-webhook/1',
          [SIGNATURE_HEADER]: signatureHeader(options.secret, now(), options.body),
          [IDEMPOTENCY_KEY_HEADER]: options.idempotencyKey,
          [DELIVERY_ATTEMPT_HEADER]: String(attempts),
        };
        try {
          const status = await post(url, options.body, headers, options.allowPrivate, deadline);
          lastStatus = status;
          if (status >= 200 && status < 300) return;
          const failure = new HttpStatusError(status);
          if (status === 429 || status >= 500) throw failure; // retried below, if there is time
          bail(failure);
        } catch (error) {
          // a refused address cannot change, and without time for another attempt the last answer stands
          if (error instanceof WebhookRefusedError || !timeForAnother()) {
            bail(error as Error);
            return;
          }
          throw error;
        }
      },
      { retries: options.attempts - 1, minTimeout: options.minBackoffMs, factor: 2, randomize: false },
    );
    return result(true);
  } catch (error) {
    const refused = error instanceof WebhookRefusedError ? 'refused: ' : '';
    return result(false, `${refused}${(error as Error).message}`);
  }
}
