/**
 * `GET /dev/events` on the local gateway (never deployed): a Server-Sent Events stream of the app events
 * published on the event bus, as they happen, for the developer console and for watching a flow by hand:
 *
 *   curl -N http://127.0.0.1:4000/dev/events            every event
 *   curl -N 'http://127.0.0.1:4000/dev/events?user_id=alice'   one user's events (and institution events)
 *
 * Each event is one SSE message: `id:` the event id, `event:` its type (`sync.completed`, ...), `data:` the JSON
 * `{id, type, timestamp, user_id, data}` that went to EventBridge. A comment line every 15 s keeps idle
 * connections open through proxies.
 *
 * Source: the provisioner adds a rule on the local bus that copies every event to the `<prefix>-dev-events`
 * queue (`DEV_EVENTS_QUEUE_URL`); one poller here drains that queue and fans each event out to every open
 * stream. Events published while nobody listens are dropped, like a live tail.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalLog } from '../workers/lambda-runtime';

export const DEV_EVENTS_PATH = '/dev/events';

const HEARTBEAT_MS = 15_000;

export interface DevEvent {
  readonly id: string;
  readonly type: string;
  readonly timestamp: string;
  readonly user_id: string | null;
  readonly data: unknown;
}

interface Subscriber {
  readonly userId: string | null;
  readonly response: ServerResponse;
}

export class DevEventStream {
  private readonly subscribers = new Set<Subscriber>();
  private readonly abort = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    private readonly queueUrl: string,
    private readonly sqs: SQSClient,
    private readonly log: LocalLog,
  ) {
    this.loop = this.poll();
  }

  /** Answers one `GET /dev/events` request with a stream that stays open until the client or the gateway closes it. */
  open(request: IncomingMessage, response: ServerResponse): void {
    const userId = new URL(request.url ?? '/', 'http://localhost').searchParams.get('user_id');
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    response.write(': app events from the local event bus\n\n');
    const subscriber: Subscriber = { userId, response };
    this.subscribers.add(subscriber);
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const drop = () => {
      clearInterval(heartbeat);
      this.subscribers.delete(subscriber);
    };
    request.on('close', drop);
    response.on('close', drop);
  }

  /** Ends every stream and stops polling. */
  async close(): Promise<void> {
    this.abort.abort();
    for (const subscriber of this.subscribers) subscriber.response.end();
    this.subscribers.clear();
    await this.loop;
  }

  private broadcast(event: DevEvent): void {
    const message = `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    for (const subscriber of this.subscribers) {
      if (subscriber.userId === null || event.user_id === null || event.user_id === subscriber.userId) {
        subscriber.response.write(message);
      }
    }
  }

  private async poll(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const received = await this.sqs.send(
          // A one-second long poll bounds how long close() waits for the loop to notice.
          new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const messages = received.Messages ?? [];
        for (const message of messages) {
          const event = devEventOf(message.Body);
          if (event) this.broadcast(event);
        }
        if (messages.length > 0) {
          await this.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: this.queueUrl,
              Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
            }),
          );
        }
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.log.warn(`dev event stream: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
}

/** The app event inside an EventBridge envelope (`detail`), or null for anything else. */
export function devEventOf(body: string | undefined): DevEvent | null {
  try {
    const envelope = JSON.parse(body ?? '') as { detail?: Partial<DevEvent> };
    const detail = envelope.detail;
    if (!detail || typeof detail.id !== 'string' || typeof detail.type !== 'string') return null;
    return {
      id: detail.id,
      type: detail.type,
      timestamp: String(detail.timestamp),
      user_id: typeof detail.user_id === 'string' ? detail.user_id : null,
      data: detail.data,
    };
  } catch {
    return null;
  }
}
