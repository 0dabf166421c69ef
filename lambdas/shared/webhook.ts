import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import retry from 'async-retry';
import type { DeliveryRecord } from '../../contract/status-record';
import { SIGNATURE_HEADER, signatureHeader } from '../../contract/webhook-signature';

/**
 * Addresses a webhook may not reach: loopback, private (RFC 1918, ULA), link-local (which holds the cloud metadata
 * service, 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, unspecified, multicast and reserved ranges.
 */
const FORBIDDEN = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['100::', 64],
] as const) {
  FORBIDDEN.addSubnet(net, bits, 'ipv6');
}

/** True if `ip` (v4 or v6, IPv4-mapped and NAT64 forms included) is one a webhook may not reach. */
export function isForbiddenAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return FORBIDDEN.check(ip, 'ipv4');
  if (family !== 6) return true;
  const lower = ip.toLowerCase();
  const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (embedded?.[1]) return FORBIDDEN.check(embedded[1], 'ipv4');
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (mappedHex?.[1] && mappedHex[2]) {
    const hi = parseInt(mappedHex[1], 16);
    const lo = parseInt(mappedHex[2], 16);
    return FORBIDDEN.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
  }
  return FORBIDDEN.check(ip, 'ipv6');
}

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
      const refused = allowPrivate ? undefined : addresses.find((a) => isForbiddenAddress(a.address));
      if (refused) {
        return callback(new WebhookRefusedError(`${hostname} resolves to a forbidden address ${refused.address}`), '', 4);
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
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new WebhookRefusedError(`scheme ${parsed.protocol} is not allowed`);
  }
  if (parsed.username || parsed.password) throw new WebhookRefusedError('credentials in webhook URLs are not allowed');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) !== 0 && isForbiddenAddress(host)) {
    throw new WebhookRefusedError(`${host} is a forbidden address`);
  }
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
  /** Per-attempt timeout, ms. */
  readonly timeoutMs?: number;
  /** Unix seconds; defaults to now at each attempt. */
  readonly now?: () => number;
}

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

function post(url: URL, body: string, headers: Record<string, string>, allowPrivate: boolean, timeoutMs: number): Promise<number> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      { method: 'POST', headers, lookup: guardedLookup(allowPrivate), timeout: timeoutMs },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * POSTs a signed JSON body, retrying network errors, 429 and 5xx with exponential backoff (async-retry); other 4xx
 * and refused URLs are not retried. Never throws: the outcome is returned as a delivery record for the status record.
 */
export async function deliverWebhook(options: WebhookDelivery): Promise<DeliveryRecord> {
  let attempts = 0;
  let lastStatus: number | undefined;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
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
        };
        try {
          const status = await post(url, options.body, headers, options.allowPrivate, options.timeoutMs ?? 10_000);
          lastStatus = status;
          if (status >= 200 && status < 300) return;
          const failure = new HttpStatusError(status);
          if (status === 429 || status >= 500) throw failure;
          bail(failure);
        } catch (error) {
          if (error instanceof WebhookRefusedError) {
            bail(error);
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
