/**
 * The transaction change feed: the user's change entries in stamp order and, for each, the rows that still
 * carry it and its removals. The store's writes (`transaction-store.ts`) append the entries; only the feed
 * route reads them, so this reader is a class of its own. Entry layout: `entities/transaction-change.ts`.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { FeedPosition, TransactionChange } from '../../banking/model';
import type { TransactionChangeFeed } from '../../banking/ports';
import { batchGetAll } from './batch';
import { userPartitionKey } from './entities/keys';
import {
  isLiveTransactionItem,
  transactionFromItem,
  transactionIdsFromKey,
  transactionKey,
  TRANSACTION_TOMBSTONE_ENTITY,
  userTransactionsPartitionKey,
} from './entities/transaction';
import { CHANGE_SORT_KEY_PREFIX, changeEntryFromItem, changeIdStamp, type ChangeEntry } from './entities/transaction-change';
import { HIGHEST_KEY_CHARACTER, indexes, tableRef, type StoreOptions, type StoredItem, type TableRef } from './table';

/** DynamoDB requests one change-feed read may make (bounds a request's work; the cursor resumes). */
const MAX_FEED_REQUESTS = 25;
/** Entries read per Query of the change partition. */
const ENTRIES_PER_QUERY = 25;

export class DynamoTransactionChangeFeed implements TransactionChangeFeed {
  private readonly table: TableRef;

  constructor(options: StoreOptions) {
    this.table = tableRef(options);
  }

  /**
   * Oldest change first: the user's change entries after `after` (up to `upTo`, the settle horizon, so a
   * reader never passes an entry whose rows may still land), and in each entry the rows that still carry its
   * id (a row rewritten later is reported under the later entry), then its removals whose tombstone still
   * carries its id. Positions inside an entry: `i<id>` for rows listed by id, `r<GSI1SK>` for rows found by
   * date, `x<id>` for removals, so every change has a distinct, ordered position.
   */
  async listChanges(
    userId: string,
    range: { after: FeedPosition | null; upTo: string; limit: number; connectionId?: string },
  ): Promise<{ changes: TransactionChange[]; hasMore: boolean; reached: FeedPosition }> {
    const { after, upTo, limit, connectionId } = range;
    const changes: TransactionChange[] = [];
    const done = { changes, hasMore: false, reached: { entry: upTo, inner: null } };
    if (after !== null && after.entry > upTo) return { ...done, reached: after };
    const budget = { requests: MAX_FEED_REQUESTS };
    let reached: FeedPosition | null = after;
    let startKey: Record<string, unknown> | undefined;
    do {
      budget.requests -= 1;
      const output = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :lower AND :upper',
          ExpressionAttributeValues: {
            ':pk': userPartitionKey(userId),
            ':lower': `${CHANGE_SORT_KEY_PREFIX}${after?.entry ?? ''}`,
            ':upper': `${CHANGE_SORT_KEY_PREFIX}${upTo}`,
          },
          Limit: ENTRIES_PER_QUERY,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of (output.Items ?? []) as StoredItem[]) {
        const entry = changeEntryFromItem(item);
        const resumeAt = after !== null && entry.changeId === after.entry ? after.inner : null;
        if (after !== null && entry.changeId <= after.entry && resumeAt === null) continue;
        if (connectionId === undefined || entry.connectionIds === null || entry.connectionIds.includes(connectionId)) {
          if (budget.requests <= 0 && reached !== null) return { changes, hasMore: true, reached };
          // One more than the page needs tells whether more follows.
          const read = await this.entryChanges(entry, resumeAt, limit + 1 - changes.length, connectionId, budget);
          for (const change of read.changes) {
            if (changes.length === limit) return { changes, hasMore: true, reached: changes.at(-1)!.position };
            changes.push(change);
          }
          if (read.examinedTo !== null) return { changes, hasMore: true, reached: { entry: entry.changeId, inner: read.examinedTo } };
        }
        reached = { entry: entry.changeId, inner: null };
      }
      startKey = output.LastEvaluatedKey;
      // Past the budget, stop once a position has been reached, so every read moves the cursor on.
    } while (startKey && (budget.requests > 0 || reached === null));
    if (startKey && reached !== null) return { changes, hasMore: true, reached };
    return done;
  }

  /**
   * The changes of one entry after inner position `resumeAt`, in order, at most `need`. `examinedTo` is
   * null when the rest of the entry was read, else the inner position up to which it was (`need` reached,
   * or the request budget spent).
   */
  private async entryChanges(
    entry: ChangeEntry,
    resumeAt: string | null,
    need: number,
    connectionId: string | undefined,
    budget: { requests: number },
  ): Promise<{ changes: TransactionChange[]; examinedTo: string | null }> {
    const changes: TransactionChange[] = [];
    const after = (inner: string) => resumeAt === null || inner > resumeAt;
    const ofConnection = (row: { connectionId: string }) => connectionId === undefined || row.connectionId === connectionId;

    if (entry.transactionIds !== null) {
      const ids = entry.transactionIds.filter((id) => after(`i${id}`));
      budget.requests -= Math.ceil(ids.length / 100);
      const rows = new Map(
        (await batchGetAll(this.table, ids.map((id) => transactionKey(entry.userId, id))))
          .filter((item) => isLiveTransactionItem(item) && item.change_id === entry.changeId)
          .map(transactionFromItem)
          .map((transaction) => [transaction.transactionId, transaction]),
      );
      for (const id of ids) {
        const transaction = rows.get(id);
        if (!transaction || !ofConnection(transaction)) continue;
        changes.push({ kind: 'live', position: { entry: entry.changeId, inner: `i${id}` }, transaction });
        if (changes.length === need) return { changes, examinedTo: `i${id}` };
      }
    } else if ((entry.dateRange !== null || entry.anyDate) && (resumeAt === null || resumeAt < 'x')) {
      const values: Record<string, unknown> = { ':pk': userTransactionsPartitionKey(entry.userId), ':change': entry.changeId };
      let keyCondition = 'GSI1PK = :pk';
      const lower = resumeAt === null ? (entry.dateRange?.from ?? null) : resumeAt.slice(1);
      if (entry.dateRange !== null) {
        keyCondition += ' AND GSI1SK BETWEEN :lower AND :upper';
        values[':upper'] = `${entry.dateRange.to}#${HIGHEST_KEY_CHARACTER}`;
      } else if (lower !== null) {
        // An entry of rows of any date reads the user's whole partition, from where a page ended in it.
        keyCondition += ' AND GSI1SK >= :lower';
      }
      if (lower !== null) values[':lower'] = lower;
      let filter = 'change_id = :change';
      if (connectionId !== undefined) {
        filter += ' AND connection_id = :connectionId';
        values[':connectionId'] = connectionId;
      }
      let startKey: Record<string, unknown> | undefined;
      do {
        if (startKey && budget.requests <= 0) return { changes, examinedTo: `r${String(startKey.GSI1SK)}` };
        budget.requests -= 1;
        const output = await this.table.client.send(
          new QueryCommand({
            TableName: this.table.tableName,
            IndexName: indexes.GSI1.name,
            KeyConditionExpression: keyCondition,
            FilterExpression: filter,
            ExpressionAttributeValues: values,
            // The filter keeps this entry's rows among the user's others of those dates: read ahead.
            Limit: Math.min(1000, Math.max(100, need * 4)),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of (output.Items ?? []) as StoredItem[]) {
          const inner = `r${String(item.GSI1SK)}`;
          // BETWEEN is inclusive: the row at the resume position was reported before.
          if (!after(inner) || !isLiveTransactionItem(item)) continue;
          changes.push({ kind: 'live', position: { entry: entry.changeId, inner }, transaction: transactionFromItem(item) });
          if (changes.length === need) return { changes, examinedTo: inner };
        }
        startKey = output.LastEvaluatedKey;
      } while (startKey);
    }

    const removals = entry.removals.filter((removal) => after(`x${removal.transactionId}`) && ofConnection(removal));
    if (removals.length > 0) {
      budget.requests -= Math.ceil(removals.length / 100);
      const tombstones = new Set(
        (await batchGetAll(this.table, removals.map((removal) => transactionKey(entry.userId, removal.transactionId))))
          .filter((item) => item.entity === TRANSACTION_TOMBSTONE_ENTITY && item.change_id === entry.changeId)
          .map((item) => transactionIdsFromKey(item).transactionId),
      );
      for (const removal of removals) {
        if (!tombstones.has(removal.transactionId)) continue;
        const inner = `x${removal.transactionId}`;
        changes.push({
          kind: 'removed',
          position: { entry: entry.changeId, inner },
          removal: { ...removal, userId: entry.userId, removedAt: changeIdStamp(entry.changeId) },
        });
        if (changes.length === need) return { changes, examinedTo: inner };
      }
    }
    return { changes, examinedTo: null };
  }
}
