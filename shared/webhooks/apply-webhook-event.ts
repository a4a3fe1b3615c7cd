/**
 * The webhook worker's use-case: apply one stored, verified webhook event to its connection.
 *
 * Idempotent: an event already `processed` or `ignored` is skipped, so a queue redelivery (SQS delivers at
 * least once) changes nothing. Status changes go through `updateConnection` (read-modify-write, conditional
 * on the version read), so a webhook never overwrites what the sync worker or the API stored meanwhile.
 */
import { updateConnection } from '../banking/connection-updates';
import { statusesNeedingUser, type Connection, type Consent, type Provider, type WebhookEvent, type WebhookEventStatus } from '../banking/model';
import type { TransactionChangeHint, WebhookEventStore } from '../banking/ports';
import { requestSync, type SyncRequestDeps } from '../banking/sync-requests';
import { describeError } from '../errors/error-mapper';
import { logger, withLogContext } from '../observability/logger';
import { countMetric, detailMetricNames, metricNames } from '../observability/metrics';
import { nextAutoSyncAt } from '../sync/schedule';
import type { WebhookEventJob } from '../banking/ports';
import type { WebhookInterpreter } from '../providers/ports';
import type { WebhookAction } from '../providers/ports';
import { connectionStatusChangedEvent, statusChangedEventId } from '../events/model';
import type { EventPublisher } from '../events/ports';
import type { InstitutionHealthService } from '../institutions/institution-health';

export interface ApplyWebhookDeps extends SyncRequestDeps {
  readonly events: WebhookEventStore;
  readonly interpreterFor: (provider: Provider) => Promise<WebhookInterpreter>;
  /** Restores an auto-sync time when a connection leaves a status that waits for the user. */
  readonly autoSync: { readonly intervalHours: number; readonly random: () => number };
  /** Marks one account revoked and deletes its data (shared/banking/account-revocation.ts); false when unknown. */
  readonly revokeAccount: (connection: Connection, providerAccountId: string) => Promise<boolean>;
  /** Outbound app events (`connection.status_changed`). */
  readonly publisher: EventPublisher;
  /** Institution health, told about provider-reported institution status (Pluggy connector status). */
  readonly institutions?: Pick<InstitutionHealthService, 'reportStatus'>;
}


/**
 * Returns the event's final status, or null when the event is gone (expired by TTL). Throws when the work
 * should be retried; a failure retrying cannot fix leaves the event `failed` and is rethrown for the
 * worker adapter to log and drop.
 */
export async function applyWebhookEvent(deps: ApplyWebhookDeps, job: WebhookEventJob): Promise<WebhookEventStatus | null> {
  const event = await deps.events.get(job.provider, job.eventId);
  if (!event) {
    logger.warn('webhook event not found', { provider: job.provider, event_id: job.eventId });
    return null;
  }
  withLogContext({ provider: event.provider, user_id: event.userId ?? undefined, connection_id: event.connectionId ?? undefined });
  if (event.status === 'processed' || event.status === 'ignored') {
    logger.info('webhook event already handled', { event_id: event.eventId, status: event.status });
    return event.status;
  }
  try {
    const status = await carryOut(deps, event);
    await deps.events.save({ ...event, status, processedAt: deps.clock.now().toISOString(), attempts: event.attempts + 1 });
    countMetric(status === 'processed' ? detailMetricNames.webhookEventsProcessed : detailMetricNames.webhookEventsIgnored);
    logger.info('webhook event applied', { type: event.type, event_id: event.eventId, status });
    return status;
  } catch (error) {
    const retryable = describeError(error).retryable;
    await deps.events
      .save({ ...event, status: retryable ? 'received' : 'failed', attempts: event.attempts + 1 })
      .catch((saveError: unknown) => logger.error('could not record webhook event failure', { error: saveError as Error }));
    countMetric(metricNames.webhookEventsFailed);
    throw error;
  }
}

async function carryOut(deps: ApplyWebhookDeps, event: WebhookEvent): Promise<'processed' | 'ignored'> {
  const interpret = await deps.interpreterFor(event.provider);
  const action = interpret(event.body);
  if (action.kind === 'ignore') {
    logger.info('webhook event ignored', { type: event.type, note: action.note });
    return 'ignored';
  }
  if (action.kind === 'institution') {
    if (!deps.institutions) return 'ignored';
    await deps.institutions.reportStatus({ provider: event.provider, institutionId: action.institutionId }, null, action.status, action.note);
    return 'processed';
  }
  // Events about the provider itself (Pluggy connector status) concern no connection.
  if (action.kind === 'record' && event.providerItemId === null) {
    logger.info('webhook event recorded', { type: event.type, note: action.note });
    return 'processed';
  }
  const connection =
    event.userId && event.connectionId ? await deps.connections.get(event.userId, event.connectionId) : null;
  if (!connection) {
    logger.info('webhook event ignored: the connection no longer exists', { type: event.type });
    return 'ignored';
  }
  switch (action.kind) {
    case 'record':
      logger.info('webhook event recorded', { type: event.type, note: action.note });
      return 'processed';
    case 'sync':
      return (await syncUnlessRevoked(deps, connection, action.transactionHint)) ? 'processed' : 'ignored';
    case 'account_revoked': {
      const revoked = await deps.revokeAccount(connection, action.providerAccountId);
      logger.info(revoked ? 'account revoked by webhook' : 'webhook names an account the connection does not have', { code: action.reason.code });
      return revoked ? 'processed' : 'ignored';
    }
    case 'status': {
      const changed = await applyStatus(deps, connection, action, event.eventId);
      if (!changed) return 'ignored';
      if (action.thenSync) await syncUnlessRevoked(deps, changed);
      return 'processed';
    }
  }
}

async function syncUnlessRevoked(
  deps: ApplyWebhookDeps,
  connection: Connection,
  transactionHint?: TransactionChangeHint,
): Promise<boolean> {
  // A revoked Item has no data to give; syncing it would only record a failure.
  if (connection.status === 'revoked') {
    logger.info('sync not requested: the connection is revoked');
    return false;
  }
  const run = await requestSync(deps, connection.userId, connection.connectionId, 'webhook', transactionHint, connection);
  logger.info('sync requested by webhook', { sync_run_id: run.syncRunId });
  return true;
}

/**
 * Stores the new status; returns the connection as stored, or null when the change did not apply.
 *
 * The `connection.status_changed` event is staged before the write and published after it (outbox): a retry
 * of this webhook event that finds the status already stored publishes what the first attempt staged.
 */
async function applyStatus(
  deps: ApplyWebhookDeps,
  connection: Connection,
  action: WebhookAction & { kind: 'status' },
  webhookEventId: string,
): Promise<Connection | null> {
  const eventId = statusChangedEventId(connection.connectionId, webhookEventId);
  const expected = withStatus(connection, action, deps);
  if (expected.status !== connection.status) {
    await deps.publisher.stage([connectionStatusChangedEvent(connection.status, expected, webhookEventId, deps.clock.now().toISOString())]);
  }
  let applies = true;
  const stored = await updateConnection(
    deps.connections,
    connection.userId,
    connection.connectionId,
    (current) => {
      // Revoked is final for webhooks: Plaid delivers out of order, and an older LOGIN_REPAIRED or
      // NEW_ACCOUNTS_AVAILABLE arriving after USER_PERMISSION_REVOKED must not revive the connection.
      if (current.status === 'revoked' && action.status !== 'revoked') {
        applies = false;
        return null;
      }
      return withStatus(current, action, deps);
    },
    () => deps.clock.now(),
  );
  if (!applies || !stored) {
    logger.info('webhook status change not applied', { status: action.status, current: stored?.status ?? null });
    await deps.publisher.discard([eventId]);
    return null;
  }
  await deps.publisher.flush([eventId]);
  logger.info('connection status set by webhook', { status: stored.status, reason: stored.statusReason?.code ?? null });
  return stored;
}

function withStatus(current: Connection, action: WebhookAction & { kind: 'status' }, deps: ApplyWebhookDeps): Connection {
  const now = deps.clock.now();
  // Statuses that wait for the user take the connection out of auto-sync; leaving one puts it back.
  const nextSyncAt = statusesNeedingUser.has(action.status)
    ? null
    : (current.nextSyncAt ?? nextAutoSyncAt(now, deps.autoSync.intervalHours, deps.autoSync.random));
  const next: Connection = {
    ...current,
    status: action.status,
    statusReason: action.reason,
    nextSyncAt,
    consent: consentAfter(current, action, now),
  };
  return unchanged(current, next) ? current : next;
}

function consentAfter(current: Connection, action: WebhookAction & { kind: 'status' }, now: Date): Consent | null {
  if (!action.accessEndsAt && !action.consentRevoked) return current.consent;
  const base: Consent = current.consent ?? { products: current.products, createdAt: null, expiresAt: null, revokedAt: null };
  return {
    ...base,
    ...(action.accessEndsAt ? { expiresAt: action.accessEndsAt } : {}),
    ...(action.consentRevoked ? { revokedAt: base.revokedAt ?? now.toISOString() } : {}),
  };
}

/** A redelivered webhook must not cost a write (or bump the version other writers compare against). */
function unchanged(before: Connection, after: Connection): boolean {
  return (
    before.status === after.status &&
    before.nextSyncAt === after.nextSyncAt &&
    JSON.stringify(before.statusReason) === JSON.stringify(after.statusReason) &&
    JSON.stringify(before.consent) === JSON.stringify(after.consent)
  );
}
