/**
 * Connections, their duplicate-item guard rows and (at creation) their accounts.
 * Key design and access patterns: `entities/connection.ts`, `entities/item-guard.ts`, docs/data-model.md.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  statusesNeedingUser,
  type Account,
  type Connection,
  type ItemGuard,
  type PendingSync,
  type Provider,
} from '../../banking/model';
import type { ConnectionStore, DueClaim, DueConnection, DueLeaseOutcome, Page } from '../../banking/ports';
import { ConflictError, ItemAlreadyExistsError, NotFoundError } from '../../errors/app-error';
import { batchGetAll, batchWriteAll, putRequest } from './batch';
import { accountToItem } from './entities/account';
import {
  connectionFromItem,
  connectionKey,
  connectionToItem,
  consentPartitionKey,
  DUE_CLAIM_ENTITY,
  dueClaimKey,
  dueConnectionFromItem,
  duePartitionKey,
  dueSortKey,
} from './entities/connection';
import { GUARD_SORT_KEY_PREFIX, itemGuardFromItem, itemGuardKey, itemGuardToItem } from './entities/item-guard';
import { itemPointerKey, itemPointerToItem } from './entities/item-pointer';
import { userPartitionKey } from './entities/keys';
import { queryAll, queryPage, type ItemPage } from './query';
import { chunked, forEachConcurrently } from '../chunking';
import { HIGHEST_KEY_CHARACTER, indexes, type StoreOptions, type StoredItem } from './table';
import { DynamoConnectionReader } from './connection-reader';
import {
  MAX_TRANSACTION_ACTIONS,
  concurrentUpdateError,
  conditionFailureItem,
  isConditionalCheckFailed,
  transactWrite,
  type TransactAction,
} from './transact';

export interface ConnectionStoreOptions extends StoreOptions {
  /** Partitions of the due index (`DUE_INDEX_SHARDS`); the scheduler reads shards 0..dueIndexShards-1. */
  readonly dueIndexShards: number;
}

/**
 * The reads come from {@link DynamoConnectionReader}; this class adds creation, saves, the pending-sync
 * marker, deletion and the due and consent indexes.
 */
export class DynamoConnectionStore extends DynamoConnectionReader implements ConnectionStore {
  private readonly dueIndexShards: number;

  constructor(options: ConnectionStoreOptions) {
    if (!Number.isInteger(options.dueIndexShards) || options.dueIndexShards < 1) {
      throw new Error(`dueIndexShards must be a positive integer, got ${options.dueIndexShards}`);
    }
    super(options);
    this.dueIndexShards = options.dueIndexShards;
  }

  /**
   * One transaction: the connection (must be new), its item pointer, every guard row (must be free) and every account. When
   * the accounts push the transaction past DynamoDB's 100-action limit, the connection and its guards are
   * still written together first (they are what the duplicate check needs to be atomic), and the accounts
   * follow in batch writes; if those fail the connection exists with some accounts missing, which the
   * first sync repairs (it upserts every account the provider reports).
   */
  async createWithAccounts(connection: Connection, accounts: readonly Account[], guards: readonly ItemGuard[]): Promise<void> {
    for (const row of [...accounts, ...guards]) {
      if (row.userId !== connection.userId || row.connectionId !== connection.connectionId) {
        throw new Error('Accounts and guards must belong to the connection being created');
      }
    }
    const uniqueGuards = [...new Map(guards.map((guard) => [itemGuardKey(guard).SK, guard])).values()];
    const connectionAndGuards: TransactAction[] = [
      {
        item: {
          Put: {
            TableName: this.table.tableName,
            Item: connectionToItem(connection, this.dueIndexShards),
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        onConditionFailed: () => new ConflictError('ALREADY_EXISTS', 'A connection with this id already exists'),
      },
      { item: { Put: { TableName: this.table.tableName, Item: itemPointerToItem(connection) } } },
      ...uniqueGuards.map(
        (guard): TransactAction => ({
          item: {
            Put: {
              TableName: this.table.tableName,
              Item: itemGuardToItem(guard),
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          onConditionFailed: () => new ItemAlreadyExistsError(),
        }),
      ),
    ];
    if (connectionAndGuards.length > MAX_TRANSACTION_ACTIONS) {
      throw new Error(`A connection can carry at most ${MAX_TRANSACTION_ACTIONS - 2} guard rows`);
    }
    const accountPuts: TransactAction[] = accounts.map((account) => ({
      item: { Put: { TableName: this.table.tableName, Item: accountToItem(account) } },
    }));
    if (connectionAndGuards.length + accountPuts.length <= MAX_TRANSACTION_ACTIONS) {
      await transactWrite(this.table, [...connectionAndGuards, ...accountPuts]);
      return;
    }
    await transactWrite(this.table, connectionAndGuards);
    await batchWriteAll(this.table, accounts.map((account) => putRequest(accountToItem(account))));
  }

  /** Guard rows that already exist for these fingerprints (the duplicate check before a token exchange). */
  async findGuards(
    userId: string,
    provider: Provider,
    institutionId: string,
    fingerprints: readonly string[],
  ): Promise<ItemGuard[]> {
    const keys = fingerprints.map((fingerprint) => itemGuardKey({ userId, provider, institutionId, fingerprint }));
    const items = await batchGetAll(this.table, keys);
    return items.map(itemGuardFromItem);
  }

  /**
   * Replaces the row only if `updated_at` still holds the value the caller read (optimistic locking), so
   * two writers (a sync worker and a webhook worker, say) cannot silently overwrite each other. The due
   * index attributes are recomputed from `nextSyncAt`; the Put drops them when it is null.
   *
   * The condition also requires the row to carry no GSI1 key. Only a connection created before item
   * pointers existed does (`entities/item-pointer.ts`): its failed condition returns the stored row
   * (`ALL_OLD`, no extra read), and the save is made again as one transaction that writes the row (which
   * drops the GSI1 key) together with the pointer: at no moment, and after no failure, is the connection
   * without both. That happens once per such connection.
   */
  async save(connection: Connection, expectedUpdatedAt: string): Promise<void> {
    const put = {
      TableName: this.table.tableName,
      Item: connectionToItem(connection, this.dueIndexShards),
      ConditionExpression: 'updated_at = :expected',
      ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    let stored: StoredItem | null;
    try {
      await this.table.client.send(
        new PutCommand({ ...put, ConditionExpression: `${put.ConditionExpression} AND attribute_not_exists(GSI1PK)` }),
      );
      return;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // With ALL_OLD the failure carries the current row; none means the connection is gone.
      stored = conditionFailureItem(error);
    }
    if (!stored) throw new NotFoundError('connection');
    if (stored.updated_at !== expectedUpdatedAt || stored.GSI1PK === undefined) throw concurrentUpdateError('connection');
    await transactWrite(this.table, [
      {
        item: { Put: put },
        onConditionFailed: ({ rowExists }) => (rowExists ? concurrentUpdateError('connection') : new NotFoundError('connection')),
      },
      { item: { Put: { TableName: this.table.tableName, Item: itemPointerToItem(connection) } } },
    ]);
  }

  async claimPendingSync(
    userId: string,
    connectionId: string,
    pendingSync: PendingSync,
    staleBefore: string,
  ): Promise<{ claimed: boolean; pending: PendingSync }> {
    let current: StoredItem | null;
    try {
      // `updated_at` moves with the claim: it is the connection's version, so a writer holding an older
      // copy (the sync engine) re-reads instead of overwriting the marker.
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: connectionKey(userId, connectionId),
          UpdateExpression: 'SET pending_sync = :pending, updated_at = :now',
          ConditionExpression:
            'attribute_exists(PK) AND (attribute_not_exists(pending_sync) OR pending_sync = :none OR pending_sync.requested_at < :staleBefore)',
          ExpressionAttributeValues: {
            ':pending': { sync_run_id: pendingSync.syncRunId, requested_at: pendingSync.requestedAt },
            ':now': pendingSync.requestedAt,
            ':none': null,
            ':staleBefore': staleBefore,
          },
          // A refused claim answers with the row as it stands (the sync pending), no second read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true, pending: pendingSync };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      current = conditionFailureItem(error);
    }
    if (!current) throw new NotFoundError('connection');
    const pending = connectionFromItem(current).pendingSync;
    // The condition refuses an existing row only while it holds a fresh marker, and the failure returns that row.
    if (!pending) throw new Error('A refused pending-sync claim returned a connection without a pending sync');
    return { claimed: false, pending };
  }

  async joinPendingSync(userId: string, connectionId: string, syncRunId: string, joinedAt: string): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: connectionKey(userId, connectionId),
          UpdateExpression: 'SET pending_sync.joined_at = :joinedAt, updated_at = :joinedAt',
          ConditionExpression: 'pending_sync.sync_run_id = :syncRunId',
          ExpressionAttributeValues: { ':syncRunId': syncRunId, ':joinedAt': joinedAt },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return false;
    }
  }

  async releasePendingSync(userId: string, connectionId: string, syncRunId: string, now: string): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: connectionKey(userId, connectionId),
          UpdateExpression: 'REMOVE pending_sync SET updated_at = :now',
          ConditionExpression: 'pending_sync.sync_run_id = :syncRunId',
          ExpressionAttributeValues: { ':syncRunId': syncRunId, ':now': now },
        }),
      );
    } catch (error) {
      // Another sync is pending by now, or none is: either way nothing of ours is left to release.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * Deletes the connection, its item pointer and its guard rows in one transaction (guard rows are found by
   * a Query of the user's `GUARD#` rows filtered on `connection_id`). Should there ever be more than fit one
   * transaction, guards go first and the connection last, together with its pointer, so a failure part-way
   * leaves the connection findable and in place and the delete can simply be repeated.
   */
  async delete(connection: Connection): Promise<void> {
    const guardItems = await queryAll(this.table, null, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      FilterExpression: 'connection_id = :connectionId',
      ExpressionAttributeValues: {
        ':pk': userPartitionKey(connection.userId),
        ':prefix': GUARD_SORT_KEY_PREFIX,
        ':connectionId': connection.connectionId,
      },
      ProjectionExpression: 'PK, SK',
    });
    const guardDeletes: TransactAction[] = guardItems.map((item) => ({
      item: { Delete: { TableName: this.table.tableName, Key: { PK: item.PK, SK: item.SK } } },
    }));
    const last: TransactAction[] = [
      { item: { Delete: { TableName: this.table.tableName, Key: itemPointerKey(connection) } } },
      {
        item: {
          Delete: { TableName: this.table.tableName, Key: connectionKey(connection.userId, connection.connectionId) },
        },
      },
    ];
    const chunks = chunked(guardDeletes, MAX_TRANSACTION_ACTIONS);
    const tail = chunks.at(-1);
    if (tail && tail.length + last.length <= MAX_TRANSACTION_ACTIONS) chunks[chunks.length - 1] = [...tail, ...last];
    else chunks.push(last);
    for (const chunk of chunks) await transactWrite(this.table, chunk);
  }

  /**
   * One page of a shard of the consent-expiry index: connections whose consent (or access) ends at or before
   * `endsBefore` and that have not been warned about that date, soonest first.
   */
  async listConsentsEndingBefore(shard: number, endsBefore: string, cursor: string | null, limit: number): Promise<Page<Connection>> {
    const page = await this.shardPage('GSI3', consentPartitionKey, shard, null, endsBefore, cursor, limit);
    return { items: page.items.map(connectionFromItem), nextCursor: page.nextCursor };
  }

  /**
   * One page of a shard of the due index: connections whose `nextSyncAt` is after `dueAfter` (null: from the
   * start) and at or before `dueBefore`, oldest first. Both bounds sort after every `<time>#<id>` of their time
   * (`<time>#\uffff`), so a connection due exactly at `dueAfter` belongs to the window that ended there.
   */
  async listDue(shard: number, dueAfter: string | null, dueBefore: string, cursor: string | null, limit: number): Promise<Page<DueConnection>> {
    const page = await this.shardPage('GSI2', duePartitionKey, shard, dueAfter, dueBefore, cursor, limit);
    return { items: page.items.map(dueConnectionFromItem), nextCursor: page.nextCursor };
  }

  /** The sharded time indexes (due, consent expiry): sort key `<time>#<connectionId>`, read up to `until` inclusive. */
  private async shardPage(
    index: 'GSI2' | 'GSI3',
    partitionOf: (shard: number) => string,
    shard: number,
    after: string | null,
    until: string,
    cursor: string | null,
    limit: number,
  ): Promise<ItemPage> {
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.dueIndexShards) {
      throw new Error(`Shard must be an integer in 0..${this.dueIndexShards - 1}, got ${shard}`);
    }
    const partition = partitionOf(shard);
    const upperBound = `${until}#${HIGHEST_KEY_CHARACTER}`;
    const lowerBound = after === null ? null : `${after}#${HIGHEST_KEY_CHARACTER}`;
    const { partitionKey, sortKey } = indexes[index];
    return queryPage(
      this.table,
      {
        index,
        query: {
          KeyConditionExpression:
            lowerBound === null ? `${partitionKey} = :pk AND ${sortKey} < :upper` : `${partitionKey} = :pk AND ${sortKey} BETWEEN :lower AND :upper`,
          ExpressionAttributeValues: { ':pk': partition, ':upper': upperBound, ...(lowerBound === null ? {} : { ':lower': lowerBound }) },
          ScanIndexForward: true,
        },
        cursor: {
          equals: { [partitionKey]: partition },
          sortKey: { attribute: sortKey, max: upperBound, ...(lowerBound === null ? {} : { min: lowerBound }) },
        },
        selectiveFilter: false,
      },
      limit,
      cursor,
    );
  }

  /**
   * Claims the shards' due windows for one scheduler run. Each shard's claim mark is a small row of its own
   * (in no index) holding the latest mark and the recent ones (`marks`, trimmed to those a later run can still
   * need: the newest at or before `overdueBefore` and everything after it, about a lease's worth of ticks).
   * All marks are read with one strongly consistent BatchGetItem, then each is written back conditional on
   * the mark still being the one read, so of two runs racing for a shard one moves the mark and the other,
   * re-reading that shard ({@link claimDueWindow}), finds it at or past its `until`: `'taken'`.
   */
  async claimDueWindows(shards: readonly number[], until: string, overdueBefore: string): Promise<PromiseSettledResult<DueClaim | 'taken'>[]> {
    for (const shard of shards) this.assertShard(shard);
    const items = await batchGetAll(this.table, shards.map(dueClaimKey), { consistentRead: true });
    const byPartition = new Map(items.map((item) => [item.PK, item]));
    return Promise.allSettled(
      shards.map(async (shard) => {
        const claimed = await this.claimFrom(shard, byPartition.get(dueClaimKey(shard).PK), until, overdueBefore);
        // Another run moved the mark since the read: read that shard again.
        return claimed === 'moved' ? this.claimDueWindow(shard, until, overdueBefore) : claimed;
      }),
    );
  }

  /** {@link claimDueWindows} for one shard, reading its mark with GetItem until a conditional write lands. */
  async claimDueWindow(shard: number, until: string, overdueBefore: string): Promise<DueClaim | 'taken'> {
    this.assertShard(shard);
    for (;;) {
      const current = await this.table.client.send(new GetCommand({ TableName: this.table.tableName, Key: dueClaimKey(shard), ConsistentRead: true }));
      const claimed = await this.claimFrom(shard, current.Item, until, overdueBefore);
      if (claimed !== 'moved') return claimed;
    }
  }

  /** Moves a shard's mark from `current` (as read) to `until`; `'moved'` when another run moved it first. */
  private async claimFrom(
    shard: number,
    current: Record<string, unknown> | undefined,
    until: string,
    overdueBefore: string,
  ): Promise<DueClaim | 'taken' | 'moved'> {
    const key = dueClaimKey(shard);
    const after = typeof current?.claimed_until === 'string' ? current.claimed_until : null;
    if (after !== null && after >= until) return 'taken';
    const marks = Array.isArray(current?.marks) ? (current.marks as unknown[]).filter((mark): mark is string => typeof mark === 'string') : [];
    const overdueUntil = marks.filter((mark) => mark <= overdueBefore).sort().at(-1) ?? null;
    const kept = marks.filter((mark) => overdueUntil === null || mark >= overdueUntil);
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...key, entity: DUE_CLAIM_ENTITY, claimed_until: until, marks: [...kept, until] },
          ConditionExpression: after === null ? 'attribute_not_exists(PK)' : 'claimed_until = :after',
          ...(after === null ? {} : { ExpressionAttributeValues: { ':after': after } }),
        }),
      );
      return { after, overdueUntil };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return 'moved';
    }
  }

  private assertShard(shard: number): void {
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.dueIndexShards) {
      throw new Error(`Shard must be an integer in 0..${this.dueIndexShards - 1}, got ${shard}`);
    }
  }

  /**
   * Leases connections still due a lease after their due time (their job was lost, or their institution was
   * down): for each, one conditional UpdateItem moves `next_sync_at` (and the due-index sort key) from the
   * value the scheduler read to `leaseUntil`, so the row comes back into a due window only when the lease runs
   * out. These rows are few (a healthy fleet has none), so each is its own request; no transaction.
   *
   * Only the due attributes are written, and `updated_at` (the version other writers lock on) is left alone:
   * the lease never makes a sync, webhook or API write fail, and when the sync finishes its own write
   * replaces the lease with the real next time. The condition (`next_sync_at` still as read, status not one
   * that waits for the user) makes the lease lose against anything that changed the row since it was read,
   * including a second scheduler run racing this one; such rows come back in `changed` and are not enqueued.
   * A write that fails otherwise (throttling after the SDK's retries) is counted in `failed`; its row stays
   * due for the next tick.
   */
  async leaseDue(due: readonly DueConnection[], leaseUntil: string): Promise<DueLeaseOutcome> {
    const leased: DueConnection[] = [];
    let changed = due.filter((connection) => connection.nextSyncAt === null).length;
    const failures: unknown[] = [];
    await forEachConcurrently(
      due.filter((connection) => connection.nextSyncAt !== null),
      LEASE_CONCURRENCY,
      async (connection) => {
        try {
          await this.table.client.send(new UpdateCommand(this.leaseUpdate(connection, leaseUntil)));
          leased.push({ ...connection, nextSyncAt: leaseUntil });
        } catch (error) {
          if (isConditionalCheckFailed(error)) changed += 1;
          else failures.push(error);
        }
      },
    );
    return { leased, changed, failed: failures.length, firstFailure: failures[0] ?? null };
  }

  private leaseUpdate(connection: DueConnection, leaseUntil: string) {
    return {
      TableName: this.table.tableName,
      Key: connectionKey(connection.userId, connection.connectionId),
      UpdateExpression: 'SET next_sync_at = :leaseUntil, GSI2SK = :leaseSortKey',
      ConditionExpression: `next_sync_at = :seen AND NOT (#status IN (${waitingStatusPlaceholders}))`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':leaseUntil': leaseUntil,
        ':leaseSortKey': dueSortKey(leaseUntil, connection.connectionId),
        ':seen': connection.nextSyncAt,
        ...waitingStatusValues,
      },
    };
  }

  /**
   * Takes connections that wait for their user out of the due index (a stale entry: whoever set the status
   * should have cleared `next_sync_at`), so the scheduler stops reading them every tick. Conditional on the
   * row still holding the status and due time that were read; returns how many rows were taken out.
   */
  async dropFromDueIndex(waiting: readonly DueConnection[]): Promise<number> {
    let dropped = 0;
    await forEachConcurrently(waiting, LEASE_CONCURRENCY, async (connection) => {
      if (connection.nextSyncAt === null || !statusesNeedingUser.has(connection.status)) return;
      try {
        await this.table.client.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: connectionKey(connection.userId, connection.connectionId),
            UpdateExpression: 'REMOVE next_sync_at, GSI2PK, GSI2SK',
            ConditionExpression: 'next_sync_at = :seen AND #status = :status',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':seen': connection.nextSyncAt, ':status': connection.status },
          }),
        );
        dropped += 1;
      } catch (error) {
        // Changed since it was read: whoever changed it decided about the due time; nothing to undo here.
        if (!isConditionalCheckFailed(error)) throw error;
      }
    });
    return dropped;
  }
}

/**
 * Requests in flight per call (single leases or drops). The scheduler leases
 * one page per shard at a time, so a tick has at most shards × this many requests open (64 with the default
 * 8 shards), while the SDK's connection pool (50 sockets per client) queues any excess instead of opening more.
 */
const LEASE_CONCURRENCY = 8;

const waitingStatuses = [...statusesNeedingUser];
const waitingStatusPlaceholders = waitingStatuses.map((_, index) => `:waiting${index}`).join(', ');
const waitingStatusValues = Object.fromEntries(waitingStatuses.map((status, index) => [`:waiting${index}`, status]));

