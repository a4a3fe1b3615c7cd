/**
 * Connection rows (one per linked Plaid Item / Pluggy item).
 *
 * Key: PK `USER#<userId>`, SK `CONN#<connectionId>`. Not in GSI1 (see pattern 2 below).
 * GSI2 (sparse, only while `next_sync_at` is set): GSI2PK `DUE#<shard>`, GSI2SK `<nextSyncAt>#<connectionId>`,
 * where shard = {@link dueShardOf}(connectionId, shardCount).
 *
 * GSI3 (sparse, only while a consent end date waits for its warning): GSI3PK `CONSENT#<shard>`, GSI3SK
 * `<consent expiresAt>#<connectionId>`, same shard function as the due index.
 *
 * Access patterns served:
 * - (1) connection by (user, id): GetItem on the primary key.
 * - (1) connections of a user: Query PK = `USER#<userId>`, SK begins_with `CONN#`.
 * - (2) connection by provider item id (webhooks name the item, not the user): a pointer row of its own,
 *   `ITEM#<provider>#<providerItemId>` / `CONN#<connectionId>` (`entities/item-pointer.ts`), written with the
 *   connection. Rows written before pointers existed still carry GSI1PK `ITEM#<provider>#<providerItemId>`
 *   / GSI1SK `CONN#<connectionId>` until their next save, which drops them and writes the pointer; the
 *   store reads that GSI1 partition only when no pointer answers.
 * - (6) connections due for auto-sync: Query GSI2 per shard, GSI2SK between `<lastClaim>#\uffff` and
 *   `<dueBefore>#\uffff` (or below a mark, for overdue rows), oldest first.
 *   Spreading the due rows over `shardCount` partitions keeps every scheduler read off one hot partition,
 *   and the index is sparse: a connection waiting for its user (`next_sync_at` null) is not in it at all.
 *   GSI2 projects only what {@link dueConnectionFromItem} reads (`shared/catalog/resources.ts`), so moving a
 *   due time writes a small index entry, not a copy of the row. A row still due a lease after the window that
 *   took it (its job was lost) is leased: a conditional UpdateItem moves `next_sync_at` and GSI2SK forward (never
 *   GSI2PK, the shard depends on the id only).
 * - Claim marks of the due index, one per shard (`entity = due_claim`): PK `SCHEDULE#DUE#<shard>`, SK `CLAIM`,
 *   `claimed_until` = the due time up to which a scheduler run took the shard's connections, `marks` = the
 *   recent ones (see shared/sync/auto-sync-scheduler.ts).
 */
import { connectionStatuses, providers, type Connection, type PendingSync } from '../../../banking/model';
import type { DueConnection } from '../../../banking/ports';
import { readerFor, type ItemReader } from '../item-reader';
import type { PrimaryKey, StoredItem } from '../table';
import { accessEndsAt } from '../../../banking/model';
import { encryptedSecretFromAttribute, encryptedSecretToAttribute } from './encrypted-secret';
import { userPartitionKey, withoutEmptyAttributes } from './keys';
import { syncOutcomes } from './sync-run';

export const CONNECTION_ENTITY = 'connection';
export const CONNECTION_SORT_KEY_PREFIX = 'CONN#';

export function connectionKey(userId: string, connectionId: string): PrimaryKey {
  return { PK: userPartitionKey(userId), SK: `${CONNECTION_SORT_KEY_PREFIX}${connectionId}` };
}

export function duePartitionKey(shard: number): string {
  return `DUE#${shard}`;
}

/** `nextSyncAt` must be an ISO-8601 UTC timestamp in one fixed format (`Date#toISOString`) to sort right. */
export function dueSortKey(nextSyncAt: string, connectionId: string): string {
  return `${nextSyncAt}#${connectionId}`;
}

/**
 * The due-index shard of a connection: FNV-1a (32-bit) of the id's UTF-8 bytes, modulo the shard count.
 * Stable across processes and releases, so a connection stays in its shard until the shard count changes.
 *
 * @example
 * dueShardOf('conn_01HZX', 8); // an integer in 0..7, always the same for this id
 */
export function dueShardOf(connectionId: string, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1) throw new Error(`Shard count must be a positive integer, got ${shardCount}`);
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(connectionId)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shardCount;
}

/** The due-index key of a connection next due at `nextSyncAt` (what {@link connectionToItem} writes). */
export function dueIndexKey(connectionId: string, nextSyncAt: string, shardCount: number): { GSI2PK: string; GSI2SK: string } {
  return { GSI2PK: duePartitionKey(dueShardOf(connectionId, shardCount)), GSI2SK: dueSortKey(nextSyncAt, connectionId) };
}

export const DUE_CLAIM_ENTITY = 'due_claim';

/** The claim mark of one shard of the due index. */
export function dueClaimKey(shard: number): PrimaryKey {
  return { PK: `SCHEDULE#DUE#${shard}`, SK: 'CLAIM' };
}

/** A due-index entry (GSI2's projection: the keys plus these attributes), as the scheduler reads it. */
export function dueConnectionFromItem(item: StoredItem): DueConnection {
  const read = readerFor(item, CONNECTION_ENTITY);
  const institution = read.map('institution');
  return {
    userId: read.string('user_id'),
    connectionId: read.string('connection_id'),
    provider: read.oneOf('provider', providers),
    institution: { id: institution.string('id'), name: institution.string('name') },
    status: read.oneOf('status', connectionStatuses),
    nextSyncAt: read.nullableString('next_sync_at'),
  };
}

export function consentPartitionKey(shard: number): string {
  return `CONSENT#${shard}`;
}

/**
 * The consent-expiry index key of a connection, or null when it has nothing to be warned about: no end date,
 * a revoked or already expired consent, or a warning already sent for this date. Only connections waiting for
 * a warning are in the index, so the warning job reads exactly those (and a few stale ones), never the fleet.
 */
export function consentIndexKey(connection: Connection, shardCount: number): { GSI3PK: string; GSI3SK: string } | null {
  const endsAt = accessEndsAt(connection);
  if (!endsAt || connection.status === 'revoked' || connection.status === 'consent_expired') return null;
  const normalized = new Date(endsAt);
  if (Number.isNaN(normalized.getTime()) || connection.consentWarningSentFor === endsAt) return null;
  return {
    GSI3PK: consentPartitionKey(dueShardOf(connection.connectionId, shardCount)),
    GSI3SK: `${normalized.toISOString()}#${connection.connectionId}`,
  };
}

export function connectionToItem(connection: Connection, shardCount: number): StoredItem {
  const due = connection.nextSyncAt === null ? {} : dueIndexKey(connection.connectionId, connection.nextSyncAt, shardCount);
  const consentIndex = consentIndexKey(connection, shardCount) ?? {};
  return withoutEmptyAttributes({
    ...connectionKey(connection.userId, connection.connectionId),
    ...due,
    ...consentIndex,
    entity: CONNECTION_ENTITY,
    user_id: connection.userId,
    connection_id: connection.connectionId,
    provider: connection.provider,
    provider_item_id: connection.providerItemId,
    institution: { id: connection.institution.id, name: connection.institution.name },
    products: [...connection.products],
    product_tag: connection.productTag,
    status: connection.status,
    status_reason: connection.statusReason && {
      code: connection.statusReason.code,
      message: connection.statusReason.message,
    },
    access_token: encryptedSecretToAttribute(connection.accessToken),
    sync_cursor: connection.syncCursor,
    consent: connection.consent && {
      products: [...connection.consent.products],
      created_at: connection.consent.createdAt,
      expires_at: connection.consent.expiresAt,
      revoked_at: connection.consent.revokedAt,
    },
    pending_user_action: connection.pendingUserAction && {
      url: connection.pendingUserAction.url,
      expires_at: connection.pendingUserAction.expiresAt,
      instructions: connection.pendingUserAction.instructions,
    },
    created_at: connection.createdAt,
    updated_at: connection.updatedAt,
    last_sync_at: connection.lastSyncAt,
    last_sync_outcome: connection.lastSyncOutcome,
    next_sync_at: connection.nextSyncAt,
    // Absent rather than null when no sync is pending (the claim's condition accepts both).
    pending_sync: connection.pendingSync
      ? {
          sync_run_id: connection.pendingSync.syncRunId,
          requested_at: connection.pendingSync.requestedAt,
          ...(connection.pendingSync.joinedAt ? { joined_at: connection.pendingSync.joinedAt } : {}),
        }
      : undefined,
    provider_update: connection.providerUpdate
      ? { not_before: connection.providerUpdate.notBefore, outdated_retries: connection.providerUpdate.outdatedRetries }
      : undefined,
    consent_warning_sent_for: connection.consentWarningSentFor ?? undefined,
  });
}

function pendingSyncFrom(read: ItemReader): PendingSync {
  const joinedAt = read.nullableString('joined_at');
  return { syncRunId: read.string('sync_run_id'), requestedAt: read.string('requested_at'), ...(joinedAt ? { joinedAt } : {}) };
}

export function connectionFromItem(item: StoredItem): Connection {
  const read = readerFor(item, CONNECTION_ENTITY);
  const institution = read.map('institution');
  const statusReason = read.nullableMap('status_reason');
  const consent = read.nullableMap('consent');
  const pendingUserAction = read.nullableMap('pending_user_action');
  const lastSyncOutcome = read.nullableString('last_sync_outcome');
  const pendingSync = read.nullableMap('pending_sync');
  const providerUpdate = read.nullableMap('provider_update');
  const consentWarningSentFor = read.nullableString('consent_warning_sent_for');
  return {
    userId: read.string('user_id'),
    connectionId: read.string('connection_id'),
    provider: read.oneOf('provider', providers),
    providerItemId: read.string('provider_item_id'),
    institution: { id: institution.string('id'), name: institution.string('name') },
    products: read.stringList('products'),
    productTag: read.nullableString('product_tag'),
    status: read.oneOf('status', connectionStatuses),
    statusReason: statusReason && { code: statusReason.string('code'), message: statusReason.string('message') },
    accessToken: encryptedSecretFromAttribute(read.nullableMap('access_token')),
    syncCursor: read.nullableString('sync_cursor'),
    consent: consent && {
      products: consent.stringList('products'),
      createdAt: consent.nullableString('created_at'),
      expiresAt: consent.nullableString('expires_at'),
      revokedAt: consent.nullableString('revoked_at'),
    },
    pendingUserAction: pendingUserAction && {
      url: pendingUserAction.nullableString('url'),
      expiresAt: pendingUserAction.nullableString('expires_at'),
      instructions: pendingUserAction.nullableString('instructions'),
    },
    createdAt: read.string('created_at'),
    updatedAt: read.string('updated_at'),
    lastSyncAt: read.nullableString('last_sync_at'),
    lastSyncOutcome: lastSyncOutcome === null ? null : read.oneOf('last_sync_outcome', syncOutcomes),
    nextSyncAt: read.nullableString('next_sync_at'),
    ...(pendingSync
      ? { pendingSync: pendingSyncFrom(pendingSync) }
      : {}),
    ...(providerUpdate
      ? { providerUpdate: { notBefore: providerUpdate.nullableString('not_before'), outdatedRetries: providerUpdate.number('outdated_retries') } }
      : {}),
    ...(consentWarningSentFor ? { consentWarningSentFor } : {}),
  };
}
