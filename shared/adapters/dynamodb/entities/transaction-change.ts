/**
 * Change entries: the transaction change feed's own rows, one per transaction-store write (a provider page,
 * a batch of removals, a chunk of user edits) or one per writer's run of consecutive writes (a sync's pages,
 * while the entry is within its write budget), never one per transaction, so the feed needs no index copy
 * of every transaction.
 *
 * Key: PK `USER#<userId>`, SK `CHG#<changeId>`, where the change id is `<stamp>#<random>` (ISO-8601 UTC
 * with milliseconds, so text order is time order; the random part makes ids unique and the order total).
 * No index keys; TTL {@link CHANGE_RETENTION_DAYS} days (TTL deletes cost no write capacity,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html).
 *
 * An entry says where the transactions it wrote can be found; every transaction row (and tombstone) carries
 * the `change_id` of the entry of its latest write, so a row belongs to one entry only, its latest:
 * - `transaction_ids`: the rows, listed when few (read by BatchGetItem);
 * - otherwise `connection_ids` + `date_from`/`date_to`: the range of dates of the rows written, read by a
 *   Query of the user's date index (GSI1) over that range with the filter `change_id = :entry`;
 * - or `connection_ids` + `any_date`: an entry shared by consecutive writes, written before the dates of the
 *   later writes' rows are known, so its rows may have any date: read by a Query of the user's whole date
 *   index partition, filtered on `change_id` (recording the range afterwards would cost a write per entry);
 * - `removals`: transactions the write turned into tombstones (ids, connection, account), reported as
 *   removed while the tombstone under the key still carries this entry's id.
 *
 * Access pattern served: a user's changes after a position (the change feed): Query PK = `USER#<userId>`,
 * SK BETWEEN `CHG#<after>` AND `CHG#<upTo>`, ascending. A deleted connection's entries are left to expire:
 * they hold only our own ids, and its purged rows and tombstones no longer carry their ids, so they report
 * nothing.
 */
import { randomBytes } from 'node:crypto';
import { FEED_RETENTION_DAYS } from '../../../banking/model';
import { readerFor } from '../item-reader';
import { timeToLiveAttribute, type PrimaryKey, type StoredItem } from '../table';
import { userPartitionKey, withoutEmptyAttributes } from './keys';

export const TRANSACTION_CHANGE_ENTITY = 'transaction_change';
export const CHANGE_SORT_KEY_PREFIX = 'CHG#';
/** How long an entry is kept: as far back as the feed reaches. */
export const CHANGE_RETENTION_DAYS = FEED_RETENTION_DAYS;
/**
 * Up to this many written transactions are listed by id. With 30-character ids an entry stays under 1 KB
 * (one write unit); past it, the date range says where the rows are.
 */
export const MAX_LISTED_TRANSACTION_IDS = 20;
/** Removals per entry: keeps an entry a few KB (a removal is about 110 bytes). */
export const MAX_REMOVALS_PER_ENTRY = 100;

export interface EntryRemoval {
  readonly transactionId: string;
  readonly connectionId: string;
  readonly accountId: string;
}

export interface ChangeEntry {
  readonly userId: string;
  /** `<stamp>#<random>`: the entry's position in the feed, and the `change_id` of the rows it wrote. */
  readonly changeId: string;
  /** Connections of the rows written; null when not known to the writer (user edits name ids only). */
  readonly connectionIds: readonly string[] | null;
  /** The dates of the rows written (inclusive), when they are not listed by id. */
  readonly dateRange: { readonly from: string; readonly to: string } | null;
  /** The rows may have any date (an entry shared by consecutive writes): neither listed nor in a range. */
  readonly anyDate: boolean;
  /** The rows written, when listed by id (sorted). */
  readonly transactionIds: readonly string[] | null;
  /** Removals (sorted by transaction id). */
  readonly removals: readonly EntryRemoval[];
}

/** A change id stamped now: `<stamp>#<random>`. */
export function newChangeId(stamp: string): string {
  return `${stamp}#${randomBytes(6).toString('base64url')}`;
}

/** The stamp part of a change id (the instant it was written). */
export function changeIdStamp(changeId: string): string {
  return changeId.split('#', 1)[0]!;
}

export function changeEntryKey(userId: string, changeId: string): PrimaryKey {
  return { PK: userPartitionKey(userId), SK: `${CHANGE_SORT_KEY_PREFIX}${changeId}` };
}

export function changeEntryToItem(entry: ChangeEntry): StoredItem {
  const expiresAt = Math.floor(Date.parse(changeIdStamp(entry.changeId)) / 1000) + CHANGE_RETENTION_DAYS * 86_400;
  return withoutEmptyAttributes({
    ...changeEntryKey(entry.userId, entry.changeId),
    entity: TRANSACTION_CHANGE_ENTITY,
    user_id: entry.userId,
    change_id: entry.changeId,
    connection_ids: entry.connectionIds === null ? null : [...entry.connectionIds],
    date_from: entry.dateRange?.from,
    date_to: entry.dateRange?.to,
    any_date: entry.anyDate ? true : null,
    transaction_ids: entry.transactionIds === null ? null : [...entry.transactionIds],
    removals:
      entry.removals.length === 0
        ? null
        : entry.removals.map((removal) => ({
            transaction_id: removal.transactionId,
            connection_id: removal.connectionId,
            account_id: removal.accountId,
          })),
    [timeToLiveAttribute]: expiresAt,
  });
}

export function changeEntryFromItem(item: StoredItem): ChangeEntry {
  const read = readerFor(item, TRANSACTION_CHANGE_ENTITY);
  const from = read.nullableString('date_from');
  const to = read.nullableString('date_to');
  return {
    userId: read.string('user_id'),
    changeId: read.string('change_id'),
    connectionIds: item.connection_ids === undefined ? null : read.stringList('connection_ids'),
    dateRange: from !== null && to !== null ? { from, to } : null,
    anyDate: item.any_date === true,
    transactionIds: item.transaction_ids === undefined ? null : read.stringList('transaction_ids'),
    removals:
      item.removals === undefined
        ? []
        : read.mapList('removals').map((removal) => ({
            transactionId: removal.string('transaction_id'),
            connectionId: removal.string('connection_id'),
            accountId: removal.string('account_id'),
          })),
  };
}

/** What an entry covering these live rows records: ids when few, else connections and the range of dates. */
export function coverageOf(
  rows: readonly { transactionId: string; connectionId: string; date: string }[],
): Pick<ChangeEntry, 'connectionIds' | 'dateRange' | 'anyDate' | 'transactionIds'> {
  const connectionIds = connectionsOf(rows);
  if (rows.length <= MAX_LISTED_TRANSACTION_IDS) {
    return { connectionIds, dateRange: null, anyDate: false, transactionIds: [...new Set(rows.map((row) => row.transactionId))].sort() };
  }
  const dates = rows.map((row) => row.date).sort();
  return { connectionIds, dateRange: { from: dates[0]!, to: dates.at(-1)! }, anyDate: false, transactionIds: null };
}

/** The connections of some rows, sorted, each once. */
export function connectionsOf(rows: readonly { connectionId: string }[]): string[] {
  return [...new Set(rows.map((row) => row.connectionId))].sort();
}
