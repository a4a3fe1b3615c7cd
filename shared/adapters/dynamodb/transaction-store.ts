/**
 * Transactions: the writes (each appends to the change feed), the purge and category listings. Key design
 * and access patterns: `entities/transaction.ts`, docs/data-model.md.
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { FEED_SETTLE_MILLISECONDS, type Transaction } from '../../banking/model';
import type { Page, TransactionStore } from '../../banking/ports';
import { NotFoundError } from '../../errors/app-error';
import { batchWriteAll, batchWriteStamped, deleteRequest, putRequest } from './batch';
import { userPartitionKey } from './entities/keys';
import {
  categorySyncToAttribute,
  LEGACY_DUPLICATE_ATTRIBUTES,
  LEGACY_TIME_ATTRIBUTES,
  tombstoneToItem,
  transactionFromItem,
  transactionIdsFromKey,
  transactionKey,
  transactionToItem,
  TRANSACTION_ENTITY,
  TRANSACTION_SORT_KEY_PREFIX,
  userCategoryTransactionsPartitionKey,
} from './entities/transaction';
import {
  changeEntryToItem,
  changeIdStamp,
  connectionsOf,
  coverageOf,
  MAX_REMOVALS_PER_ENTRY,
  newChangeId,
  type ChangeEntry,
} from './entities/transaction-change';
import { queryPage } from './query';
import { chunked } from '../chunking';
import { indexes, type StoreOptions } from './table';
import { MAX_TRANSACTION_ACTIONS, transactWrite, type TransactAction } from './transact';
import { DynamoTransactionReader } from './transaction-reader';

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

export type UserFieldEdit = Parameters<TransactionStore['updateUserFields']>[1][number];

export interface TransactionStoreOptions extends StoreOptions {
  /**
   * The clock that stamps change entries (default: the system clock), and against which a row's send is
   * checked to fall within the entry's write budget. Stamps are taken by the store, not by the caller, so a
   * row never carries an entry stamped long before the request that writes it.
   */
  readonly now?: () => Date;
}

/**
 * The reads come from {@link DynamoTransactionReader}; this class adds the writes, the purge and category
 * listings, and the change entries every write appends (read by `transaction-change-feed.ts`).
 */
export class DynamoTransactionStore extends DynamoTransactionReader implements TransactionStore {
  private readonly now: () => Date;

  constructor(options: TransactionStoreOptions) {
    super(options);
    this.now = options.now ?? (() => new Date());
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
