/**
 * Sync-run rows: one per sync of a connection, written when the sync is queued or starts and overwritten
 * as it progresses and ends.
 *
 * Key: PK `CONN#<connectionId>`, SK `RUN#<syncRunId>`.
 *
 * The sort key is the run id, not the start time: a run is first written `queued` (with the time it was
 * requested) and again by the worker with the time it really started, and both writes must land on the
 * same row. Run ids are minted by `newId` in `shared/banking/ids.ts`, whose first ten characters are the
 * creation time in milliseconds (base-32, in an alphabet that sorts like the numbers it encodes), so the
 * sort key orders runs by creation time.
 *
 * `events_published` (only when true): the run's last write, once its app events were sent
 * (`shared/events/sync-events.ts`).
 *
 * TTL: `expires_at`, {@link SYNC_RUN_RETENTION_DAYS} days after the run started (every write of the run sets
 * it again from the same start). DynamoDB deletes an expired row within a few days of that time
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html), so the history
 * reaches back at least that far. Runs recorded before rows carried it stay until their connection is deleted.
 *
 * Access patterns served:
 * - (7) sync runs of a connection, newest first: Query PK = `CONN#<connectionId>`, SK begins_with `RUN#`,
 *   `ScanIndexForward: false`.
 * - purge with the connection: the same Query (keys only), then batched deletes.
 *
 * The connection's owner is checked by the caller (connection lookup under the user's partition) before
 * its runs are listed; the rows still carry `user_id` for audits and purges.
 */
import { SYNC_RUN_RETENTION_DAYS, type SyncOutcome, type SyncRun, type SyncTrigger } from '../../../banking/model';
import { readerFor } from '../item-reader';
import { timeToLiveAttribute, type PrimaryKey, type StoredItem } from '../table';
import { withoutEmptyAttributes } from './keys';

export const SYNC_RUN_ENTITY = 'sync_run';
export const SYNC_RUN_SORT_KEY_PREFIX = 'RUN#';
// Written as records so the compiler flags a member added to (or dropped from) the model's unions.
const syncTriggerSet: Record<SyncTrigger, true> = { link: true, manual: true, webhook: true, schedule: true };
const syncOutcomeSet: Record<SyncOutcome, true> = {
  queued: true,
  running: true,
  retrying: true,
  succeeded: true,
  partial: true,
  failed: true,
};
const syncTriggers = Object.keys(syncTriggerSet) as SyncTrigger[];
export const syncOutcomes = Object.keys(syncOutcomeSet) as SyncOutcome[];

export function syncRunPartitionKey(connectionId: string): string {
  return `CONN#${connectionId}`;
}

export function syncRunKey(connectionId: string, syncRunId: string): PrimaryKey {
  return { PK: syncRunPartitionKey(connectionId), SK: `${SYNC_RUN_SORT_KEY_PREFIX}${syncRunId}` };
}

export function syncRunToItem(run: SyncRun): StoredItem {
  return withoutEmptyAttributes({
    ...syncRunKey(run.connectionId, run.syncRunId),
    entity: SYNC_RUN_ENTITY,
    user_id: run.userId,
    connection_id: run.connectionId,
    sync_run_id: run.syncRunId,
    trigger: run.trigger,
    outcome: run.outcome,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    counts: {
      added: run.counts.added,
      modified: run.counts.modified,
      removed: run.counts.removed,
      accounts: run.counts.accounts,
    },
    error: run.error && {
      code: run.error.code,
      message: run.error.message,
      ...(run.error.providerRequestId ? { provider_request_id: run.error.providerRequestId } : {}),
    },
    account_errors: run.accountErrors.map((failure) => ({
      account_id: failure.accountId,
      code: failure.code,
      message: failure.message,
    })),
    ...(run.eventsPublished ? { events_published: true } : {}),
    [timeToLiveAttribute]: Math.floor(Date.parse(run.startedAt) / 1000) + SYNC_RUN_RETENTION_DAYS * 86_400,
  });
}

export function syncRunFromItem(item: StoredItem): SyncRun {
  const read = readerFor(item, SYNC_RUN_ENTITY);
  const counts = read.map('counts');
  const error = read.nullableMap('error');
  return {
    userId: read.string('user_id'),
    connectionId: read.string('connection_id'),
    syncRunId: read.string('sync_run_id'),
    trigger: read.oneOf('trigger', syncTriggers),
    outcome: read.oneOf('outcome', syncOutcomes),
    startedAt: read.string('started_at'),
    finishedAt: read.nullableString('finished_at'),
    counts: {
      added: counts.number('added'),
      modified: counts.number('modified'),
      removed: counts.number('removed'),
      accounts: counts.number('accounts'),
    },
    error: error && {
      code: error.string('code'),
      message: error.string('message'),
      ...(error.nullableString('provider_request_id') ? { providerRequestId: error.string('provider_request_id') } : {}),
    },
    accountErrors: read.mapList('account_errors').map((failure) => ({
      accountId: failure.string('account_id'),
      code: failure.string('code'),
      message: failure.string('message'),
    })),
    ...(read.flag('events_published') ? { eventsPublished: true } : {}),
  };
}
