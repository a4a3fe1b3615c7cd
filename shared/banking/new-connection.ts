/**
 * What every provider's linking does the same way once the provider has said yes: the connection record it
 * stores, and the sync it queues right after.
 */
import { logger } from '../observability/logger';
import type { Connection, SyncTrigger } from './model';
import { requestSync, type SyncRequestDeps } from './sync-requests';

export interface NewConnectionFields
  extends Pick<Connection, 'userId' | 'connectionId' | 'provider' | 'providerItemId' | 'institution' | 'products'> {
  /** Defaults to `healthy`, with no reason. */
  readonly status?: Connection['status'];
  readonly statusReason?: Connection['statusReason'];
  readonly productTag?: string | null;
  readonly accessToken?: Connection['accessToken'];
  readonly consent?: Connection['consent'];
  readonly pendingUserAction?: Connection['pendingUserAction'];
  /**
   * When auto-sync picks the connection up if the sync queued after linking is lost; null while the
   * connection waits for the user.
   */
  readonly nextSyncAt: string | null;
}

/** A connection as first stored: never synced, no cursor yet. */
export function newConnection(fields: NewConnectionFields, now: Date): Connection {
  const nowIso = now.toISOString();
  return {
    userId: fields.userId,
    connectionId: fields.connectionId,
    provider: fields.provider,
    providerItemId: fields.providerItemId,
    institution: fields.institution,
    products: fields.products,
    productTag: fields.productTag ?? null,
    status: fields.status ?? 'healthy',
    statusReason: fields.statusReason ?? null,
    accessToken: fields.accessToken ?? null,
    syncCursor: null,
    consent: fields.consent ?? null,
    pendingUserAction: fields.pendingUserAction ?? null,
    createdAt: nowIso,
    updatedAt: nowIso,
    lastSyncAt: null,
    lastSyncOutcome: null,
    nextSyncAt: fields.nextSyncAt,
  };
}

/**
 * Queues the sync that follows linking (or new credentials, an MFA answer) and returns its run id. The
 * connection is stored by then and the request that led here cannot simply be repeated (Plaid's public token
 * is spent, Pluggy's item is adopted), so a failed enqueue does not fail the request: it is logged, null is
 * returned, and auto-sync picks the connection up at its `nextSyncAt`.
 */
export async function queueSyncAfterLinking(
  deps: SyncRequestDeps,
  userId: string,
  connectionId: string,
  trigger: Extract<SyncTrigger, 'link' | 'manual'>,
): Promise<string | null> {
  try {
    return (await requestSync(deps, userId, connectionId, trigger)).syncRunId;
  } catch (error) {
    logger.warn('sync could not be queued; auto-sync will pick the connection up', { trigger, error: error as Error });
    return null;
  }
}
