/**
 * {@link EventBus} on an EventBridge bus: one PutEvents entry per event, `Source` = the catalog's event source,
 * `DetailType` = the event type, `Detail` = `{id, type, timestamp, user_id, data}` (the id is what subscribers
 * dedupe on: EventBridge assigns its own id to every put).
 *
 * PutEvents takes at most 10 entries per call and can fail entries individually while the call succeeds
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html); failed entries are resent
 * with backoff, and the call throws if some still fail, so the outbox keeps those events unpublished.
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AppEvent } from '../../events/model';
import type { EventBus } from '../../events/ports';
import { clientFrom, eventBridgeClient, type ClientSource } from '../aws-clients';
import { backoffDelayMs, eventBusPutRetry, sleepFor, type RetryPolicy } from '../../retry/policies';
import { chunked } from '../chunking';

const MAX_ENTRIES_PER_CALL = 10;

export class EventBridgeEventBus implements EventBus {
  constructor(
    private readonly busName: string,
    private readonly source: string,
    // Taken at the first put: a function publishes only when something happened (a status change, a sync
    // with changes), which most of its requests do not have.
    private readonly client: ClientSource<EventBridgeClient> = eventBridgeClient,
    private readonly retryPolicy: RetryPolicy = eventBusPutRetry,
  ) {}

  async put(events: readonly AppEvent[]): Promise<void> {
    for (const chunk of chunked(events, MAX_ENTRIES_PER_CALL)) await this.putChunk(chunk.map((event) => this.entryOf(event)));
  }

  private entryOf(event: AppEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: this.source,
      DetailType: event.type,
      Time: new Date(event.timestamp),
      Detail: JSON.stringify({ id: event.id, type: event.type, timestamp: event.timestamp, user_id: event.userId, data: event.data }),
    };
  }

  private async putChunk(entries: PutEventsRequestEntry[]): Promise<void> {
    let remaining = entries;
    for (let attempt = 1; ; attempt++) {
      const output = await clientFrom(this.client).send(new PutEventsCommand({ Entries: remaining }));
      if (!output.FailedEntryCount) return;
      // Result entries line up with request entries; a failed one carries an ErrorCode.
      remaining = remaining.filter((_, index) => output.Entries?.[index]?.ErrorCode);
      if (attempt >= this.retryPolicy.maxAttempts) {
        const codes = [...new Set((output.Entries ?? []).map((entry) => entry.ErrorCode).filter(Boolean))].join(', ');
        throw new Error(`EventBridge refused ${remaining.length} event(s): ${codes}`);
      }
      await sleepFor(backoffDelayMs(attempt, this.retryPolicy));
    }
  }
}
