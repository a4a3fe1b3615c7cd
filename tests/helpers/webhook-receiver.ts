/**
 * A throwaway HTTP endpoint on a random loopback port that records every webhook POSTed to it, raw body
 * included (signatures are checked over the exact bytes).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly body: Record<string, unknown>;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Every request, including those answered with an injected failure, in arrival order. */
  readonly attempts: ReceivedWebhook[];
  /** Answer the next `count` deliveries with `status` instead of 200. */
  failNext(count: number, status?: number): void;
  /** Resolves with the first webhook (already received or arriving later) that matches; rejects after `timeoutMs`. */
  waitFor(predicate: (webhook: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const attempts: ReceivedWebhook[] = [];
  const waiters: Array<{ predicate: (webhook: ReceivedWebhook) => boolean; resolve: (webhook: ReceivedWebhook) => void }> = [];
  let failures: { count: number; status: number } = { count: 0, status: 500 };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      if (failures.count > 0) {
        attempts.push({ path: request.url ?? '/', headers: request.headers, rawBody, body: {} });
        failures = { ...failures, count: failures.count - 1 };
        response.writeHead(failures.status).end();
        return;
      }
      const webhook: ReceivedWebhook = { path: request.url ?? '/', headers: request.headers, rawBody, body: JSON.parse(rawBody) as Record<string, unknown> };
      attempts.push(webhook);
      received.push(webhook);
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      for (const waiter of [...waiters]) {
        if (waiter.predicate(webhook)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(webhook);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    attempts,
    failNext(count, status = 500) {
      failures = { count, status };
    },
    waitFor(predicate, timeoutMs = 5_000) {
      const existing = received.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve: (webhook: ReceivedWebhook) => (clearTimeout(timer), resolve(webhook)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error('no matching webhook arrived'));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
