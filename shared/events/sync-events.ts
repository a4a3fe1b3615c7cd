/**
 * The events of one sync run, for the sync engine: staged just before the run's final writes (connection
 * status with the cursor, then the run record) and flushed after them. A redelivered job whose run already
 * finished flushes the same ids again, which publishes whatever a crash left staged and nothing else.
 */
import type { Connection, ConnectionStatus, SyncRun } from '../banking/model';
import {
  appEventId,
  connectionStatusChangedEvent,
  statusChangedEventId,
  syncCompletedEvent,
  transactionsChangedEvent,
  type AppEvent,
} from './model';
import { feedCursorAt } from '../banking/transaction-feed';
import type { EventPublisher } from './ports';

export interface SyncEventDeps {
  readonly events: EventPublisher;
}

/** Every event id a run can produce, whichever of them it did. */
export function runEventIds(connectionId: string, syncRunId: string): string[] {
  return [
    appEventId('sync.completed', connectionId, syncRunId),
    appEventId('transactions.changed', connectionId, syncRunId),
    statusChangedEventId(connectionId, syncRunId),
  ];
}

/**
 * Stages the events of a run that reached `run.outcome`, with the connection as it is about to be stored.
 * Returns what was staged; a run that will be retried stages nothing.
 */
export async function stageRunEvents(
  deps: SyncEventDeps,
  connection: Connection,
  statusBefore: ConnectionStatus,
  run: SyncRun,
): Promise<AppEvent[]> {
  if (run.outcome !== 'succeeded' && run.outcome !== 'partial' && run.outcome !== 'failed') return [];
  const at = run.finishedAt ?? run.startedAt;
  const events: AppEvent[] = [syncCompletedEvent(connection, run)];
  if (run.counts.added + run.counts.modified + run.counts.removed > 0) {
    // Every change this run stored is stamped after it started, so the feed read from this cursor has them all.
    const cursor = feedCursorAt(new Date(run.startedAt));
    events.push(transactionsChangedEvent(connection, run, { cursor, changedSince: run.startedAt }));
  }
  if (statusBefore !== connection.status) {
    events.push(connectionStatusChangedEvent(statusBefore, connection, run.syncRunId, at));
  }
  await deps.events.stage(events);
  return events;
}
