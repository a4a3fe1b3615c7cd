/**
 * Institution health: when a bank is down, its connections show "bank unavailable" (`institution_unavailable`)
 * instead of a generic error, auto-sync leaves them alone, and the app hears `institution.status_changed` each
 * way. One health row per (provider, institution).
 *
 * Signals:
 * - Pluggy `connector/status_updated`: the connector's status (`ONLINE` | `OFFLINE` | `UNSTABLE`, Pluggy OpenAPI
 *   `Connector.health.status`); anything but ONLINE marks it degraded, ONLINE marks it operational again.
 * - Plaid has no institution-status webhook; its syncs fail with INSTITUTION_DOWN / INSTITUTION_NOT_RESPONDING
 *   (https://plaid.com/docs/errors/institution/). One Item failing says little, so the institution is marked
 *   degraded once `threshold` distinct connections failed so within `windowMinutes`, and operational again when
 *   any of its connections syncs successfully.
 *
 * Transitions are conditional writes on the status read, so concurrent workers make one transition and one
 * event. The event is staged before the write and its id stored with it; whoever next reads a row whose event is
 * unpublished publishes it (a crash between the write and the publish delays the event, never loses it).
 */
import type { Connection, Provider } from '../banking/model';
import type { Clock } from '../banking/ports';
import { institutionStatusChangedEvent, type InstitutionHealthStatus } from '../events/model';
import type { EventPublisher } from '../events/ports';
import { logger } from '../observability/logger';

export type HealthSource = 'connector_status' | 'sync_errors';

export interface InstitutionHealth {
  readonly provider: Provider;
  readonly institutionId: string;
  readonly name: string | null;
  readonly status: InstitutionHealthStatus;
  readonly source: HealthSource | null;
  readonly reason: string | null;
  readonly changedAt: string | null;
  /** Connections whose sync failed with an institution error, with when (Plaid). */
  readonly failures: Readonly<Record<string, string>>;
  /** The event of the last transition, while it is not yet published. */
  readonly unpublishedEventId: string | null;
}

export interface InstitutionKey {
  readonly provider: Provider;
  readonly institutionId: string;
}

export interface InstitutionTransition extends InstitutionKey {
  readonly name: string | null;
  readonly from: InstitutionHealthStatus;
  readonly to: InstitutionHealthStatus;
  readonly source: HealthSource;
  readonly reason: string;
  readonly at: string;
  readonly eventId: string;
}

export interface InstitutionHealthStore {
  get(key: InstitutionKey): Promise<InstitutionHealth | null>;
  getMany(keys: readonly InstitutionKey[]): Promise<InstitutionHealth[]>;
  /** Records that this connection's sync failed with an institution error at `at`; returns the row after. */
  recordFailure(key: InstitutionKey, connectionId: string, at: string): Promise<InstitutionHealth>;
  /** Applies the transition if the stored status is still `from` (a missing row counts as operational). */
  transition(transition: InstitutionTransition): Promise<boolean>;
  markEventPublished(key: InstitutionKey, eventId: string): Promise<void>;
}

export interface InstitutionHealthDeps {
  readonly health: InstitutionHealthStore;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  /** Distinct connections failing with an institution error within the window that mark it degraded (Plaid). */
  readonly threshold: number;
  readonly windowMinutes: number;
}

/** Plaid error codes that say the institution, not the Item, is failing. */
export const INSTITUTION_ERROR_CODES: ReadonlySet<string> = new Set(['INSTITUTION_DOWN', 'INSTITUTION_NOT_RESPONDING']);

/** What the sync engine tells institution health after each run. */
export interface InstitutionHealthMonitor {
  syncFailed(connection: Connection, errorCode: string): Promise<void>;
  syncSucceeded(connection: Connection): Promise<void>;
}

export class InstitutionHealthService implements InstitutionHealthMonitor {
  constructor(private readonly deps: InstitutionHealthDeps) {}

  /** A provider reported the institution's status (Pluggy connector status). */
  async reportStatus(key: InstitutionKey, name: string | null, status: InstitutionHealthStatus, reason: string): Promise<void> {
    const current = await this.current(key);
    if (current.status === status) return;
    await this.move(current, { ...key, name: name ?? current.name, to: status, source: 'connector_status', reason });
  }

  async syncFailed(connection: Connection, errorCode: string): Promise<void> {
    if (!INSTITUTION_ERROR_CODES.has(errorCode)) return;
    const key = keyOf(connection);
    const now = this.deps.clock.now();
    const row = await this.deps.health.recordFailure(key, connection.connectionId, now.toISOString());
    await this.publishLeftover(row);
    if (row.status === 'degraded') return;
    const windowStart = now.getTime() - this.deps.windowMinutes * 60_000;
    const recent = Object.values(row.failures).filter((at) => new Date(at).getTime() >= windowStart).length;
    if (recent < this.deps.threshold) return;
    await this.move(row, {
      ...key,
      name: connection.institution.name,
      to: 'degraded',
      source: 'sync_errors',
      reason: `${recent} connections failed with ${errorCode} within ${this.deps.windowMinutes} minutes`,
    });
  }

  async syncSucceeded(connection: Connection): Promise<void> {
    const current = await this.current(keyOf(connection));
    // A connector status from the provider is only lifted by the provider saying ONLINE.
    if (current.status !== 'degraded' || current.source !== 'sync_errors') return;
    await this.move(current, { ...keyOf(connection), name: connection.institution.name, to: 'operational', source: 'sync_errors', reason: 'a sync succeeded' });
  }

  private async current(key: InstitutionKey): Promise<InstitutionHealth> {
    const row = await this.deps.health.get(key);
    if (row) await this.publishLeftover(row);
    return row ?? { ...key, name: null, status: 'operational', source: null, reason: null, changedAt: null, failures: {}, unpublishedEventId: null };
  }

  private async move(
    current: InstitutionHealth,
    change: InstitutionKey & { name: string | null; to: InstitutionHealthStatus; source: HealthSource; reason: string },
  ): Promise<void> {
    const at = this.deps.clock.now().toISOString();
    const event = institutionStatusChangedEvent(
      change.provider,
      { id: change.institutionId, name: change.name },
      current.status,
      change.to,
      change.reason,
      at,
    );
    await this.deps.publisher.stage([event]);
    const won = await this.deps.health.transition({ ...change, from: current.status, at, eventId: event.id });
    if (!won) {
      await this.deps.publisher.discard([event.id]);
      return;
    }
    logger.info('institution status changed', { institution: change.institutionId, provider: change.provider, status: change.to });
    await this.deps.publisher.flush([event.id]);
    await this.deps.health.markEventPublished(change, event.id);
  }

  private async publishLeftover(row: InstitutionHealth): Promise<void> {
    if (!row.unpublishedEventId) return;
    await this.deps.publisher.flush([row.unpublishedEventId]);
    await this.deps.health.markEventPublished(row, row.unpublishedEventId);
  }
}

export function keyOf(connection: Pick<Connection, 'provider' | 'institution'>): InstitutionKey {
  return { provider: connection.provider, institutionId: connection.institution.id };
}

/** The degraded institutions among those of `connections` (one batch read). */
export async function degradedInstitutions(
  store: Pick<InstitutionHealthStore, 'getMany'>,
  connections: readonly Pick<Connection, 'provider' | 'institution'>[],
): Promise<Set<string>> {
  const keys = new Map(connections.map((connection) => [healthKeyString(keyOf(connection)), keyOf(connection)]));
  if (keys.size === 0) return new Set();
  const rows = await store.getMany([...keys.values()]);
  return new Set(rows.filter((row) => row.status === 'degraded').map(healthKeyString));
}

export function healthKeyString(key: InstitutionKey): string {
  return `${key.provider}#${key.institutionId}`;
}
