/**
 * Transactions. Key design and access patterns: `entities/transaction.ts`, docs/data-model.md.
 */
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { FEED_SETTLE_MILLISECONDS, type FeedPosition, type Transaction, type TransactionChange } from '../../banking/model';
import type { Page, TransactionFilter, TransactionStore } from '../../banking/ports';
import { NotFoundError } from '../../errors/app-error';
import { batchGetAll, batchWriteAll, batchWriteStamped, deleteRequest, putRequest } from './batch';
import { userPartitionKey } from './entities/keys';
import {
  categoryFilter,
  categorySyncToAttribute,
  isLiveTransactionItem,
  LEGACY_DUPLICATE_ATTRIBUTES,
  LEGACY_TIME_ATTRIBUTES,
  tombstoneToItem,
  transactionFromItem,
  transactionIdsFromKey,
  transactionKey,
  transactionToItem,
  TRANSACTION_ENTITY,
  TRANSACTION_SORT_KEY_PREFIX,
  TRANSACTION_TOMBSTONE_ENTITY,
  userCategoryTransactionsPartitionKey,
  userTransactionsPartitionKey,
} from './entities/transaction';
import {
  CHANGE_SORT_KEY_PREFIX,
  changeEntryFromItem,
  changeEntryToItem,
  changeIdStamp,
  connectionsOf,
  coverageOf,
  MAX_REMOVALS_PER_ENTRY,
  newChangeId,
  type ChangeEntry,
} from './entities/transaction-change';
import { queryPage, type PageRequest } from './query';
import { chunked } from '../chunking';
import { HIGHEST_KEY_CHARACTER, indexes, tableRef, type IndexName, type StoreOptions, type StoredItem, type TableRef } from './table';
import { MAX_TRANSACTION_ACTIONS, transactWrite, type TransactAction } from './transact';

/** Page size of the internal listings (purge, reassignment); matches one 100-action transaction. */
const INTERNAL_PAGE_SIZE = 100;
/**
 * Rows one change entry of a single write covers: a provider page (Plaid sends at most 500 per
 * `/transactions/sync` page). A change session's shared entry is bounded by time instead.
 */
const MAX_ROWS_PER_ENTRY = 500;
/**
 * How long after its entry's stamp a row may still be sent carrying it. Past this, the store writes a new
 * entry and the rows still to send (retries included) carry that one, so every row lands within one
 * request's time of this budget, inside the readers' settle window (`FEED_SETTLE_MILLISECONDS`).
 */
export const CHANGE_WRITE_BUDGET_MILLISECONDS = FEED_SETTLE_MILLISECONDS / 2;
/** DynamoDB requests one change-feed read may make (bounds a request's work; the cursor resumes). */
const MAX_FEED_REQUESTS = 25;
/** Entries read per Query of the change partition. */
const ENTRIES_PER_QUERY = 25;

export type UserFieldEdit = Parameters<TransactionStore['updateUserFields']>[1][number];

export interface TransactionStoreOptions extends StoreOptions {
  /**
   * The clock that stamps change entries (default: the system clock), and against which a row's send is
   * checked to fall within the entry's write budget. Stamps are taken by the store, not by the caller, so a
   * row never carries an entry stamped long before the request that writes it.
   */
  readonly now?: () => Date;
}

export class DynamoTransactionStore implements TransactionStore {
  private readonly table: TableRef;
  private readonly now: () => Date;

  constructor(options: TransactionStoreOptions) {
    this.table = tableRef(options);
    this.now = options.now ?? (() => new Date());
  }

  /** A tombstone reads as absent: every point read, listing and edit sees live transactions only. */
  async get(userId: string, transactionId: string): Promise<Transaction | null> {
    const output = await this.table.client.send(
      new GetCommand({ TableName: this.table.tableName, Key: transactionKey(userId, transactionId) }),
    );
    return output.Item && isLiveTransactionItem(output.Item) ? transactionFromItem(output.Item) : null;
  }

  /** Existing transactions among the ids, in the order of the ids (duplicates and missing ids dropped). */
  async getMany(userId: string, transactionIds: readonly string[]): Promise<Transaction[]> {
    return this.readMany(userId, transactionIds, false);
  }

  private async readMany(userId: string, transactionIds: readonly string[], consistentRead: boolean): Promise<Transaction[]> {
    const items = await batchGetAll(
      this.table,
      transactionIds.map((id) => transactionKey(userId, id)),
      { consistentRead },
    );
    const byId = new Map(
      items.filter(isLiveTransactionItem).map(transactionFromItem).map((transaction) => [transaction.transactionId, transaction]),
    );
    const ordered: Transaction[] = [];
    for (const id of new Set(transactionIds)) {
      const transaction = byId.get(id);
      if (transaction) ordered.push(transaction);
    }
    return ordered;
  }

  /**
   * Newest first from the user's date index (GSI1, live transactions only); dates narrow the key condition;
   * account, connection, pending and category are filter expressions (see `transactionListRequest` for why
   * the key alone confines the listing to the user).
   */
  async list(userId: string, filter: TransactionFilter, limit: number, cursor: string | null): Promise<Page<Transaction>> {
    const request = transactionListRequest(userId, filter);
    if (request === null) return { items: [], nextCursor: null };
    const page = await queryPage(this.table, request, limit, cursor);
    return { items: page.items.map(transactionFromItem), nextCursor: page.nextCursor };
  }

  /** One change entry per user and {@link MAX_ROWS_PER_ENTRY} rows, written before the rows it covers. */
  async putMany(transactions: readonly Transaction[]): Promise<void> {
    await this.putRows(transactions, null);
  }

  /**
   * Consecutive writes through the handle share one change entry per user (of rows of any date, for the
   * connections of the write that opened it) instead of one per write: an import of many pages writes an
   * entry per {@link CHANGE_WRITE_BUDGET_MILLISECONDS} rather than per page. The entry is renewed like any
   * other past its budget, and the renewal is shared from then on. A full page ({@link MAX_ROWS_PER_ENTRY}
   * rows or more: more pages are likely to follow) opens it; a smaller write with no open entry for its rows
   * (a typical incremental sync's one page) gets an entry of its own with ids or a date range, which the
   * feed reads without going through the user's whole partition.
   */
  changeSession(): Pick<TransactionStore, 'putMany'> {
    const session: SharedEntry = { open: null };
    return { putMany: (transactions) => this.putRows(transactions, session) };
  }

  private async putRows(transactions: readonly Transaction[], session: SharedEntry | null): Promise<void> {
    for (const rows of byUser(transactions)) {
      const latest = latestById(rows);
      const shared = session === null ? null : this.sharedEntry(session, latest);
      const writes =
        shared === null
          ? chunked(latest, MAX_ROWS_PER_ENTRY).map((chunk) => ({
              chunk,
              entry: this.entryWriter(chunk[0]!.userId, { ...coverageOf(chunk), removals: [] }),
            }))
          : [{ chunk: latest, entry: shared }];
      for (const { chunk, entry } of writes) {
        await batchWriteStamped(
          this.table,
          chunk,
          (transaction, changeId) => putRequest(transactionToItem(transaction, changeId)),
          () => entry.changeId(),
        );
      }
    }
  }

  /** The session's open entry if it covers these rows (one user's), else a new one for a full page. */
  private sharedEntry(session: SharedEntry, rows: readonly Transaction[]): EntryWriter | null {
    const userId = rows[0]!.userId;
    const connectionIds = connectionsOf(rows);
    const open = session.open;
    if (open !== null && open.userId === userId && connectionIds.every((id) => open.connectionIds.includes(id))) {
      return open.entry;
    }
    if (rows.length < MAX_ROWS_PER_ENTRY) return null;
    const entry = this.entryWriter(userId, { connectionIds, dateRange: null, anyDate: true, transactionIds: null, removals: [] });
    session.open = { userId, connectionIds, entry };
    return entry;
  }

  /** Tombstones, under change entries that list them as removals ({@link MAX_REMOVALS_PER_ENTRY} per entry). */
  async removeMany(transactions: readonly Transaction[]): Promise<void> {
    for (const rows of byUser(transactions)) {
      for (const chunk of chunked(latestById(rows), MAX_REMOVALS_PER_ENTRY)) {
        const removals = [...chunk]
          .sort((a, b) => compareText(a.transactionId, b.transactionId))
          .map((row) => ({ transactionId: row.transactionId, connectionId: row.connectionId, accountId: row.accountId }));
        const connectionIds = connectionsOf(chunk);
        const entry = this.entryWriter(chunk[0]!.userId, { connectionIds, dateRange: null, anyDate: false, transactionIds: null, removals });
        await batchWriteStamped(
          this.table,
          chunk,
          (transaction, changeId) =>
            putRequest(
              tombstoneToItem(
                {
                  userId: transaction.userId,
                  transactionId: transaction.transactionId,
                  connectionId: transaction.connectionId,
                  accountId: transaction.accountId,
                  removedAt: changeIdStamp(changeId),
                },
                changeId,
              ),
            ),
          () => entry.changeId(),
        );
      }
    }
  }

  /** Writes a change entry stamped now; resolves once it is stored. */
  private async writeEntry(userId: string, content: Omit<ChangeEntry, 'userId' | 'changeId'>): Promise<WrittenEntry> {
    const at = this.now();
    const changeId = newChangeId(at.toISOString());
    await this.table.client.send(
      new PutCommand({ TableName: this.table.tableName, Item: changeEntryToItem({ ...content, userId, changeId }) }),
    );
    return { changeId, at: at.getTime() };
  }

  /**
   * The change id rows of one write carry, asked for as each request is sent: the entry is written on first
   * use, and again (same content, new stamp) once {@link CHANGE_WRITE_BUDGET_MILLISECONDS} have passed since
   * its stamp, so a slow or retried request re-stamps its rows rather than land behind a reader.
   */
  private entryWriter(userId: string, content: Omit<ChangeEntry, 'userId' | 'changeId'>): EntryWriter {
    let current: Promise<WrittenEntry> | null = null;
    return {
      changeId: async () => {
        const seen = (current ??= this.writeEntry(userId, content));
        const entry = await seen;
        if (this.now().getTime() - entry.at <= CHANGE_WRITE_BUDGET_MILLISECONDS) return entry.changeId;
        // Concurrent requests share one renewal.
        if (current === seen) current = this.writeEntry(userId, content);
        return (await current).changeId;
      },
    };
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

  async deleteMany(transactions: readonly Pick<Transaction, 'userId' | 'transactionId'>[]): Promise<void> {
    await batchWriteAll(
      this.table,
      transactions.map((transaction) => deleteRequest(transactionKey(transaction.userId, transaction.transactionId))),
    );
  }

  /**
   * From the user's partition (`TXN#` rows), so tombstones are purged with the live rows. The key condition
   * names the user's own partition, so only the connection needs a filter; ids come from the keys.
   */
  async listByConnection(
    userId: string,
    connectionId: string,
    cursor: string | null,
  ): Promise<Page<Pick<Transaction, 'userId' | 'transactionId'>>> {
    const partition = userPartitionKey(userId);
    const page = await queryPage(
      this.table,
      {
        index: null,
        query: {
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          FilterExpression: 'connection_id = :connectionId',
          ExpressionAttributeValues: { ':pk': partition, ':prefix': TRANSACTION_SORT_KEY_PREFIX, ':connectionId': connectionId },
          ProjectionExpression: 'PK, SK',
        },
        cursor: { equals: { PK: partition } },
        selectiveFilter: true,
        ownerPartition: partition,
      },
      INTERNAL_PAGE_SIZE,
      cursor,
    );
    return {
      items: page.items.map(transactionIdsFromKey),
      nextCursor: page.nextCursor,
    };
  }

  async isUserCategoryInUse(userId: string, categoryId: string): Promise<boolean> {
    const output = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: indexes.GSI4.name,
        KeyConditionExpression: 'GSI4PK = :pk',
        ExpressionAttributeValues: { ':pk': userCategoryTransactionsPartitionKey(userId, categoryId) },
        ProjectionExpression: 'PK',
        Limit: 1,
      }),
    );
    return (output.Items?.length ?? 0) > 0;
  }

  /**
   * No owner filter: the partition `USER#<userId>#CAT#<categoryId>` holds this user's rows only (category ids
   * contain no `#`, so no other user and category spell the same partition).
   */
  async listByUserCategory(userId: string, categoryId: string, cursor: string | null): Promise<Page<Transaction>> {
    const partition = userCategoryTransactionsPartitionKey(userId, categoryId);
    const page = await queryPage(
      this.table,
      {
        index: 'GSI4',
        query: {
          KeyConditionExpression: 'GSI4PK = :pk',
          ExpressionAttributeValues: { ':pk': partition },
          ScanIndexForward: false,
        },
        cursor: { equals: { GSI4PK: partition, PK: userPartitionKey(userId) } },
        selectiveFilter: false,
        ownerPartition: userPartitionKey(userId),
      },
      INTERNAL_PAGE_SIZE,
      cursor,
    );
    return { items: page.items.map(transactionFromItem), nextCursor: page.nextCursor };
  }

  /**
   * All or nothing: each chunk of at most 100 edits is one `TransactWriteItems`, every update conditional on
   * the transaction existing (NotFoundError otherwise). More than 100 edits need several transactions, so
   * every id is checked first and nothing is written if one is missing; what remains is the window between
   * that check and the last chunk, in which a sync could delete a transaction (then the earlier chunks
   * stay applied and the caller sees NotFoundError). Returns the transactions as stored afterwards
   * (read back consistently: `ReturnValues` does not exist for transactional writes). The edit's time is the
   * stamp of its change entry, taken by this store's clock like every other change (the caller's `now` is
   * not needed): an edited row's `updatedAt` is that stamp.
   */
  async updateUserFields(userId: string, edits: readonly UserFieldEdit[]): Promise<Transaction[]> {
    const merged = mergeEditsById(edits);
    if (merged.length === 0) return [];
    const ids = merged.map((edit) => edit.transactionId);
    if (merged.length > MAX_TRANSACTION_ACTIONS) {
      const existing = await this.getMany(userId, ids);
      if (existing.length !== merged.length) throw new NotFoundError('transaction');
    }
    for (const chunk of chunked(merged, MAX_TRANSACTION_ACTIONS)) {
      // One request, so no renewal: the SDK's own retries of it stay inside the settle window.
      const transactionIds = chunk.map((edit) => edit.transactionId).sort(compareText);
      const { changeId } = await this.writeEntry(userId, { connectionIds: null, dateRange: null, anyDate: false, transactionIds, removals: [] });
      await transactWrite(
        this.table,
        chunk.map((edit) => userFieldUpdate(this.table.tableName, userId, edit, changeId)),
      );
    }
    return this.readMany(userId, ids, true);
  }
}

/** Several edits of one transaction in a request become one (later fields win): a transaction may name an item once. */
export function mergeEditsById(edits: readonly UserFieldEdit[]): UserFieldEdit[] {
  const merged = new Map<string, UserFieldEdit>();
  for (const edit of edits) {
    const previous = merged.get(edit.transactionId);
    const definedFields = Object.fromEntries(Object.entries(edit).filter(([, value]) => value !== undefined));
    merged.set(edit.transactionId, { ...previous, ...definedFields } as UserFieldEdit);
  }
  return [...merged.values()];
}

/**
 * The Update of one edit. Only fields present in the edit change. Setting a user category also puts the row
 * into GSI4 (its sort key is copied from GSI1SK, `<date>#<id>`, so no read is needed); clearing it removes
 * the GSI4 keys, and the row counts under the provider's category again (the category filter falls back to
 * `provider_category.id` when `user_category_id` is absent). Every edit also removes the copies a row of the
 * older shape carries (`LEGACY_DUPLICATE_ATTRIBUTES`, `LEGACY_TIME_ATTRIBUTES`; removing an absent attribute
 * is a no-op), so an edited row has the current shape and no stale copy of a category or a time.
 *
 * An edit is a change too: the row moves to the edit's change entry (the end of the feed), whose stamp is
 * then its `updatedAt`. Its creation time must not move with it. A row without `created_at` was created by
 * the write its `change_id` names, and an update expression cannot cut the stamp out of that id, so the edit
 * copies the whole id: `created_at = if_not_exists(created_at, change_id)`, in the same atomic write, so no
 * read is needed and no concurrent write can slip in between (a row that has `created_at` keeps it). The
 * reader takes the stamp part (`transactionFromItem`). `if_not_exists` accepts a path as its operand
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html#DDB-UpdateItem-request-UpdateExpression).
 * The reference does not spell out whether an operand reads the item before the update or as the actions
 * before it left it, so the copy is listed before `change_id` is set: it reads the old id either way.
 */
export function userFieldUpdate(tableName: string, userId: string, edit: UserFieldEdit, changeId: string): TransactAction {
  const set: string[] = ['created_at = if_not_exists(created_at, change_id)', 'change_id = :changeId'];
  const remove: string[] = [...LEGACY_TIME_ATTRIBUTES];
  const values: Record<string, unknown> = {
    ':changeId': changeId,
    ':live': TRANSACTION_ENTITY,
  };

  if (edit.userCategoryId !== undefined) {
    if (edit.userCategoryId === null) {
      remove.push('user_category_id', 'GSI4PK', 'GSI4SK');
    } else {
      set.push('user_category_id = :category', 'GSI4PK = :categoryPartition', 'GSI4SK = GSI1SK');
      values[':category'] = edit.userCategoryId;
      values[':categoryPartition'] = userCategoryTransactionsPartitionKey(userId, edit.userCategoryId);
    }
  }
  if (edit.note !== undefined) {
    if (edit.note === null) remove.push('note');
    else {
      set.push('note = :note');
      values[':note'] = edit.note;
    }
  }
  if (edit.categorySync !== undefined) {
    if (edit.categorySync === null) remove.push('category_sync');
    else {
      set.push('category_sync = :categorySync');
      values[':categorySync'] = categorySyncToAttribute(edit.categorySync);
    }
  }
  // `date` is a reserved word, so it goes through a name placeholder; the other names are plain.
  const names: Record<string, string> = { '#date': 'date' };
  remove.push(...LEGACY_DUPLICATE_ATTRIBUTES.map((attribute) => (attribute === 'date' ? '#date' : attribute)));
  const updateExpression = `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`;
  return {
    item: {
      Update: {
        TableName: tableName,
        Key: transactionKey(userId, edit.transactionId),
        UpdateExpression: updateExpression,
        // A tombstone (or nothing) under the key: not found, and the tombstone stays as it is.
        ConditionExpression: 'entity = :live',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    onConditionFailed: () => new NotFoundError('transaction'),
  };
}

/** The change id rows carry, asked for as each request is sent (see `entryWriter`). */
interface EntryWriter {
  changeId(): Promise<string>;
}

/** A change session's open entry: its user and connections, and its writer (which renews it). */
interface SharedEntry {
  open: { readonly userId: string; readonly connectionIds: readonly string[]; readonly entry: EntryWriter } | null;
}

interface WrittenEntry {
  readonly changeId: string;
  /** The stamp, in epoch milliseconds. */
  readonly at: number;
}

function byUser(transactions: readonly Transaction[]): Transaction[][] {
  const groups = new Map<string, Transaction[]>();
  for (const transaction of transactions) {
    const group = groups.get(transaction.userId);
    if (group) group.push(transaction);
    else groups.set(transaction.userId, [transaction]);
  }
  return [...groups.values()];
}

/** The last of each id (a later upsert of the same row in one call wins, as in a batch write). */
function latestById(transactions: readonly Transaction[]): Transaction[] {
  return [...new Map(transactions.map((transaction) => [transaction.transactionId, transaction])).values()];
}

/** Code-unit order, the order DynamoDB compares string keys in (not locale order). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The query behind a filtered listing, or null when the date range is empty (DynamoDB rejects a BETWEEN
 * whose lower bound exceeds the upper one, and no transaction could match anyway).
 *
 * Dates bound the `<date>#<id>` sort key: `>= dateFrom` includes every id on that day, and
 * `<= dateTo#\uffff` every id on the last day.
 */
export function transactionListRequest(userId: string, filter: TransactionFilter): PageRequest | null {
  const index: IndexName = 'GSI1';
  const partition = userTransactionsPartitionKey(userId);
  const { partitionKey, sortKey } = indexes[index];
  const lower = filter.dateFrom;
  const upper = filter.dateTo === undefined ? undefined : `${filter.dateTo}#${HIGHEST_KEY_CHARACTER}`;
  if (lower !== undefined && upper !== undefined && lower > upper) return null;

  const values: Record<string, unknown> = { ':pk': partition };
  let keyCondition = `${partitionKey} = :pk`;
  if (lower !== undefined && upper !== undefined) {
    keyCondition += ` AND ${sortKey} BETWEEN :lower AND :upper`;
    values[':lower'] = lower;
    values[':upper'] = upper;
  } else if (lower !== undefined) {
    keyCondition += ` AND ${sortKey} >= :lower`;
    values[':lower'] = lower;
  } else if (upper !== undefined) {
    keyCondition += ` AND ${sortKey} <= :upper`;
    values[':upper'] = upper;
  }

  // Tenant isolation rests on the key: the partition `USER#<userId>#TXN` holds this user's rows and no one
  // else's (the user id is all that varies between a fixed prefix and suffix, so two users never spell the
  // same partition), and a cursor must name this partition and this user's PK (`cursor` below). An account
  // or connection id of another user therefore matches nothing here; no owner attribute is needed on the row.
  const filters: string[] = [];
  if (filter.accountId !== undefined) {
    filters.push('account_id = :accountId');
    values[':accountId'] = filter.accountId;
  }
  if (filter.connectionId !== undefined) {
    filters.push('connection_id = :connectionId');
    values[':connectionId'] = filter.connectionId;
  }
  if (filter.pending !== undefined) {
    filters.push('pending = :pending');
    values[':pending'] = filter.pending;
  }
  if (filter.categoryId !== undefined) {
    filters.push(categoryFilter(':categoryId'));
    values[':categoryId'] = filter.categoryId;
  }

  return {
    index,
    query: {
      KeyConditionExpression: keyCondition,
      ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
    cursor: {
      equals: { [partitionKey]: partition, PK: userPartitionKey(userId) },
      sortKey: { attribute: sortKey, ...(lower !== undefined ? { min: lower } : {}), ...(upper !== undefined ? { max: upper } : {}) },
    },
    selectiveFilter: filters.length > 0,
    ownerPartition: userPartitionKey(userId),
  };
}
