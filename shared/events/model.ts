/**
 * Outbound events: what this service tells the app (and the app's other services) about changes it made.
 *
 * Every event has a DETERMINISTIC id derived from what caused it (the sync run, the webhook event, the consent
 * expiry, the institution status change), so a retried worker that computes the same event again lands on the
 * same id and the outbox (`event-publisher.ts`) publishes it once. The id is also the Standard Webhooks
 * `webhook-id` and the `id` inside the EventBridge detail, which lets receivers drop the rare duplicate a
 * crash between two steps can still produce.
 *
 * Payloads are snake_case JSON (like the HTTP API) and never carry tokens, cursors of providers or account
 * numbers.
 */
import { createHash } from 'node:crypto';
import type { Connection, ConnectionStatus, Provider, SyncCounts, SyncRun } from '../banking/model';
import { nextStepFor } from '../banking/next-step';
import { nextStepBody, syncRunErrorBody } from '../banking/wire-bodies';

export const appEventTypes = [
  'sync.completed',
  'connection.status_changed',
  'transactions.changed',
  'consent.expiring',
  'institution.status_changed',
] as const;
export type AppEventType = (typeof appEventTypes)[number];

export interface AppEvent {
  readonly id: string;
  readonly type: AppEventType;
  /** When the change happened (ISO-8601); the webhook body's `timestamp`. */
  readonly timestamp: string;
  /** The user the event concerns; null for events about an institution. */
  readonly userId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

/** `evt_` + 32 hex digits of SHA-256 over the event type and what caused it. */
export function appEventId(type: AppEventType, ...cause: readonly string[]): string {
  return `evt_${createHash('sha256').update([type, ...cause].join('\u0000')).digest('hex').slice(0, 32)}`;
}

export type InstitutionHealthStatus = 'operational' | 'degraded';

function connectionRef(connection: Connection) {
  return {
    connection_id: connection.connectionId,
    provider: connection.provider,
    institution: { id: connection.institution.id, name: connection.institution.name },
  };
}

/** A sync run reached a final outcome (succeeded, partial or failed). */
export function syncCompletedEvent(connection: Connection, run: SyncRun): AppEvent {
  return {
    id: appEventId('sync.completed', connection.connectionId, run.syncRunId),
    type: 'sync.completed',
    timestamp: run.finishedAt ?? run.startedAt,
    userId: connection.userId,
    data: {
      ...connectionRef(connection),
      sync_run_id: run.syncRunId,
      trigger: run.trigger,
      outcome: run.outcome,
      counts: presentCounts(run.counts),
      error: syncRunErrorBody(run.error),
      started_at: run.startedAt,
      finished_at: run.finishedAt,
    },
  };
}

/**
 * Where the app reads the changes a sync stored: a cursor of `GET /banking/transactions/changes` from which
 * the feed answers everything stamped since the run started (`changed_since`).
 */
export interface FeedPosition {
  readonly cursor: string;
  readonly changedSince: string;
}

/** A sync stored added, modified or removed transactions. */
export function transactionsChangedEvent(connection: Connection, run: SyncRun, feed: FeedPosition): AppEvent {
  return {
    id: appEventId('transactions.changed', connection.connectionId, run.syncRunId),
    type: 'transactions.changed',
    timestamp: run.finishedAt ?? run.startedAt,
    userId: connection.userId,
    data: {
      ...connectionRef(connection),
      sync_run_id: run.syncRunId,
      counts: { added: run.counts.added, modified: run.counts.modified, removed: run.counts.removed },
      feed: { cursor: feed.cursor, changed_since: feed.changedSince },
    },
  };
}

/**
 * The connection's status changed. `cause` names what changed it (a sync run id, a webhook event id, an
 * institution status change): each cause changes a connection's status at most once, so (connection, cause)
 * identifies the change, and a retry that recomputes it gets the same id.
 */
export function connectionStatusChangedEvent(
  before: ConnectionStatus,
  after: Connection,
  cause: string,
  at: string,
): AppEvent {
  return {
    id: statusChangedEventId(after.connectionId, cause),
    type: 'connection.status_changed',
    timestamp: at,
    userId: after.userId,
    data: {
      ...connectionRef(after),
      old_status: before,
      new_status: after.status,
      reason: after.statusReason,
      next_step: nextStepBody(nextStepFor(after, new Date(at))),
    },
  };
}

export function statusChangedEventId(connectionId: string, cause: string): string {
  return appEventId('connection.status_changed', connectionId, cause);
}

/** The consent (or the institution's access) ends at `expiresAt`; sent once per consent and expiry date. */
export function consentExpiringEvent(connection: Connection, expiresAt: string, now: Date): AppEvent {
  const msLeft = new Date(expiresAt).getTime() - now.getTime();
  return {
    id: appEventId('consent.expiring', connection.connectionId, expiresAt),
    type: 'consent.expiring',
    timestamp: now.toISOString(),
    userId: connection.userId,
    data: {
      ...connectionRef(connection),
      expires_at: expiresAt,
      days_left: Math.max(0, Math.floor(msLeft / 86_400_000)),
      next_step: nextStepBody(nextStepFor(connection, now, { consentWarningDays: Number.POSITIVE_INFINITY })),
    },
  };
}

/** An institution became unavailable, or available again. Not tied to one user (`userId` null). */
export function institutionStatusChangedEvent(
  provider: Provider,
  institution: { id: string; name: string | null },
  before: InstitutionHealthStatus,
  after: InstitutionHealthStatus,
  reason: string,
  at: string,
): AppEvent {
  return {
    id: appEventId('institution.status_changed', provider, institution.id, after, at),
    type: 'institution.status_changed',
    timestamp: at,
    userId: null,
    data: { provider, institution: { id: institution.id, name: institution.name }, old_status: before, new_status: after, reason },
  };
}

function presentCounts(counts: SyncCounts) {
  return { added: counts.added, modified: counts.modified, removed: counts.removed, accounts: counts.accounts };
}
