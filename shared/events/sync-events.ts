/**
 * The events of one sync run, for the sync engine, in this order:
 *
 *   stage the run's events → commit the connection (status, cursor) → send the events → final run record
 *   with `eventsPublished`.
 *
 * The events this attempt staged are sent from memory: no read-back, no per-event `published` mark (one
 * flag on the run record, which the engine writes anyway). A crash anywhere before that record leaves the run
 * unfinished; its retry stages again (the first copies stay), commits again, and flushes from the outbox
 * every id of the run it did not stage itself, so what the crashed attempt staged is sent (again, under the
 * same ids: the delivery worker skips an event already delivered). A retry finding the run finished with the
 * flag does nothing; one finding it finished without the flag (a record older than the flag) flushes the ids.
 * A scheduled run records nothing before its end: a retry after its commit finds the connection rescheduled,
 * runs nothing and flushes the run's ids; one before its commit runs again and flushes as above.
 *
 * A run's events are staged unlisted (`listedByUser: false`): they stay out of the user's index, which would
 * double the write of each (`shared/adapters/dynamodb/entities/app-event.ts`). Replay by user finds them
 * through the run instead (`replay-app-events.ts`): ids from {@link runEventIds}, stamped when the run ended
 * (`finishedAt` of the attempt that staged them), never before the run was requested. A flush after a crash
 * lists what it marks, which covers a run that sent its events but never recorded itself.
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

/** What one attempt of a run staged, until it is sent. */
export interface StagedRunEvents {
  readonly connectionId: string;
  readonly syncRunId: string;
  /** Stored by this attempt: the outbox holds exactly these, unpublished. */
  readonly fresh: readonly AppEvent[];
  /** An earlier attempt of the run may have staged events and died before they were sent. */
  readonly afterEarlierAttempt: boolean;
}

/**
 * Stages the events of a run that reached `run.outcome`, with the connection as it is about to be stored.
 * A run that will be retried stages nothing. `resumed`: an earlier attempt of this run got as far as
 * recording that it started.
 */
export async function stageRunEvents(
  deps: SyncEventDeps,
  connection: Connection,
  statusBefore: ConnectionStatus,
  run: SyncRun,
  resumed: boolean,
): Promise<StagedRunEvents> {
  const events = runEvents(connection, statusBefore, run);
  const fresh = await deps.events.stage(events, { listedByUser: false });
  return {
    connectionId: connection.connectionId,
    syncRunId: run.syncRunId,
    fresh,
    // An id already staged means another attempt got there first, even if this one did not know of it.
    afterEarlierAttempt: resumed || fresh.length < events.length,
  };
}

/** Drops a staged event whose change did not happen (it is deleted only if it was never sent). */
export async function withdrawRunEvent(deps: SyncEventDeps, staged: StagedRunEvents, eventId: string): Promise<StagedRunEvents> {
  await deps.events.discard([eventId]);
  return { ...staged, fresh: staged.fresh.filter((event) => event.id !== eventId) };
}

/**
 * Sends the run's events once its connection write committed; the caller then records `eventsPublished` on
 * the run. The outbox is read only after an earlier attempt, for the ids this attempt did not stage itself.
 */
export async function publishRunEvents(deps: SyncEventDeps, staged: StagedRunEvents): Promise<void> {
  await deps.events.publishStaged(staged.fresh);
  if (!staged.afterEarlierAttempt) return;
  const sent = new Set(staged.fresh.map((event) => event.id));
  await deps.events.flush(runEventIds(staged.connectionId, staged.syncRunId).filter((id) => !sent.has(id)));
}

function runEvents(connection: Connection, statusBefore: ConnectionStatus, run: SyncRun): AppEvent[] {
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
  return events;
}
