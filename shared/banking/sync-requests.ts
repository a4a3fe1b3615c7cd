/**
 * Asking for a sync. The run is recorded as `queued` before the job is sent, so the caller can follow it
 * in the sync history from the moment it gets the id back; the worker moves the same run forward.
 */
import { newId } from './ids';
import type { SyncRun, SyncTrigger } from './model';
import { requireConnection } from './ownership';
import type { Clock, ConnectionStore, SyncJobQueue, SyncRunStore, TransactionChangeHint } from './ports';

export interface SyncRequestDeps {
  readonly connections: ConnectionStore;
  readonly syncRuns: SyncRunStore;
  readonly syncQueue: SyncJobQueue;
  readonly clock: Clock;
}

export async function requestSync(
  deps: SyncRequestDeps,
  userId: string,
  connectionId: string,
  trigger: Exclude<SyncTrigger, 'schedule'>,
  transactionHint?: TransactionChangeHint,
): Promise<SyncRun> {
  const connection = await requireConnection(deps.connections, userId, connectionId);
  const now = deps.clock.now();
  const run = syncRunRecord({
    userId,
    connectionId: connection.connectionId,
    syncRunId: newId('run', now),
    trigger,
    outcome: 'queued',
    startedAt: now.toISOString(),
  });
  await deps.syncRuns.put(run);
  await deps.syncQueue.enqueue([
    { userId, connectionId: connection.connectionId, syncRunId: run.syncRunId, trigger, ...(transactionHint ? { transactionHint } : {}) },
  ]);
  return run;
}

/** A sync run that has not counted anything yet. */
export function syncRunRecord(
  fields: Pick<SyncRun, 'userId' | 'connectionId' | 'syncRunId' | 'trigger' | 'outcome' | 'startedAt'>,
): SyncRun {
  return { ...fields, finishedAt: null, counts: { added: 0, modified: 0, removed: 0, accounts: 0 }, error: null, accountErrors: [] };
}
