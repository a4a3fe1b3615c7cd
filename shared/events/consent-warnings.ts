/**
 * `consent.expiring`: once per consent end date, `warningDays` ahead (default 7), for Open Finance consents
 * (Pluggy's consent `expiresAt`) and Plaid items whose access ends (PENDING_EXPIRATION's consent expiration
 * time, PENDING_DISCONNECT's disconnect time), both stored as the connection's `consent.expiresAt`.
 *
 * Read from the sparse, sharded consent-expiry index (`entities/connection.ts`): it holds only connections
 * with an end date not yet warned about, so each run reads what is due and nothing else (no Scan).
 *
 * Order per connection: publish the event, then mark the date as warned (which takes the row out of the
 * index). A crash between the two leaves the row in the index; the next run publishes again under the same
 * deterministic id, which the outbox recognises as already published, and then marks it.
 */
import { updateConnection } from '../banking/connection-updates';
import { onEveryShard } from '../banking/every-shard';
import type { Connection } from '../banking/model';
import { accessEndsAt } from '../banking/model';
import type { Clock, ConnectionStore, Page } from '../banking/ports';
import { logger } from '../observability/logger';
import { consentExpiringEvent } from './model';
import type { EventPublisher } from './ports';

export interface ConsentExpiryIndex {
  listConsentsEndingBefore(shard: number, endsBefore: string, cursor: string | null, limit: number): Promise<Page<Connection>>;
}

export interface ConsentWarningDeps {
  readonly index: ConsentExpiryIndex;
  readonly connections: ConnectionStore;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly shardCount: number;
  readonly warningDays: number;
  readonly pageSize?: number;
}

export interface ConsentWarningResult {
  readonly warned: number;
  /** Already past their end date when read: taken out of the index without an event. */
  readonly lapsed: number;
}

export async function sendConsentWarnings(deps: ConsentWarningDeps): Promise<ConsentWarningResult> {
  const now = deps.clock.now();
  const endsBefore = new Date(now.getTime() + deps.warningDays * 86_400_000).toISOString();
  const totals = await onEveryShard(deps.shardCount, (shard) => warnShard(deps, shard, endsBefore, now));
  const warned = totals.reduce((sum, total) => sum + total.warned, 0);
  const lapsed = totals.reduce((sum, total) => sum + total.lapsed, 0);
  logger.info('consent warnings sent', { warned, lapsed });
  return { warned, lapsed };
}

async function warnShard(deps: ConsentWarningDeps, shard: number, endsBefore: string, now: Date): Promise<ConsentWarningResult> {
  let warned = 0;
  let lapsed = 0;
  let cursor: string | null = null;
  do {
    const page: Page<Connection> = await deps.index.listConsentsEndingBefore(shard, endsBefore, cursor, deps.pageSize ?? 100);
    for (const connection of page.items) {
      const endsAt = accessEndsAt(connection);
      if (!endsAt) continue;
      if (new Date(endsAt).getTime() > now.getTime()) {
        await deps.publisher.publish([consentExpiringEvent(connection, endsAt, now)]);
        warned++;
      } else {
        lapsed++;
      }
      await markWarned(deps, connection, endsAt);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return { warned, lapsed };
}

async function markWarned(deps: ConsentWarningDeps, connection: Connection, endsAt: string): Promise<void> {
  await updateConnection(
    deps.connections,
    connection.userId,
    connection.connectionId,
    // A consent renewed meanwhile has a new end date, which keeps its own place in the index.
    (current) => (accessEndsAt(current) === endsAt ? { ...current, consentWarningSentFor: endsAt } : null),
    () => deps.clock.now(),
  );
}
