import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/** One request the receiver got. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent (signatures are over these bytes). */
  readonly body: string;
  /** The status the receiver answered (0: it never did). */
  readonly status: number;
}

/** How a hostile receiver treats a request (see `Receiver.respond`). */
export type HostileBehaviour = 'silent' | 'trickle';

/** A trickling receiver's pace (the slow receiver sent one byte every 5 s; tests need it sooner). */
export const TRICKLE_INTERVAL_MS = 200;

/** A loopback HTTP server that records webhook and SNS HTTP deliveries. */
export interface Receiver {
  /** Base URL, e.g. http://127.0.0.1:12345 */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Requests whose path starts with `prefix`. */
  on(prefix: string): ReceivedRequest[];
  /**
   * Answers requests under `prefix` with `status` from now on (default 204), or behaves as a hostile receiver:
   * `'silent'` reads the request and never answers; `'trickle'` sends 200 headers, then one byte every
   * TRICKLE_INTERVAL_MS and never ends.
   */
  respond(prefix: string, behaviour: number | HostileBehaviour): void;
  /** Resolves when `predicate` holds for the recorded requests; rejects after `timeoutMs`. */
  waitFor(predicate: (requests: ReceivedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  clear(): void;
  close(): Promise<void>;
}

/**
 * Starts the receiver on 127.0.0.1 (or `host`) and a free port. SNS subscription confirmations (LocalStack sends them;
 * moto confirms by itself) are confirmed by fetching their SubscribeURL. `publicHost` names it in `url` when the
 * sender is elsewhere (LocalStack in Docker reaches the host as host.docker.internal).
 */
export async function startReceiver(options: { host?: string; publicHost?: string } = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const statuses = new Map<string, number | HostileBehaviour>();
  const statusFor = (path: string): number | HostileBehaviour => {
    let best: [string, number | HostileBehaviour] | undefined;
    for (const entry of statuses) if (path.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
    return best?.[1] ?? 204;
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '/';
      const behaviour = statusFor(path);
      const status = behaviour === 'silent' ? 0 : behaviour === 'trickle' ? 200 : behaviour;
      requests.push({ method: request.method ?? '', path, headers: request.headers, body, status });
      if (behaviour === 'silent') return;
      if (behaviour === 'trickle') {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        const timer = setInterval(() => response.write('.'), TRICKLE_INTERVAL_MS);
        response.on('close', () => clearInterval(timer));
        return;
      }
      if (request.headers['x-amz-sns-message-type'] === 'SubscriptionConfirmation') {
        const url = (JSON.parse(body) as { SubscribeURL?: string }).SubscribeURL;
        if (url) void fetch(url).catch(() => undefined);
      }
      response.statusCode = status;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${options.publicHost ?? '127.0.0.1'}:${port}`,
    requests,
    on: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    respond: (prefix, behaviour) => void statuses.set(prefix, behaviour),
    async waitFor(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(requests)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met within ${timeoutMs} ms (${requests.length} requests)`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    clear: () => void requests.splice(0),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
