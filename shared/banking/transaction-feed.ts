/**
 * The transaction change feed: what changed in a user's transactions since a cursor, in the shape of Plaid's
 * `/transactions/sync` (https://plaid.com/docs/api/products/transactions/#transactionssync) but for our own
 * clients: `added`, `modified`, `removed` (tombstones), `next_cursor`, `has_more`.
 *
 * The feed is a list of change entries, one per store write (a provider page, a batch of removals, a chunk
 * of user edits) or per few seconds of a multi-page sync run, not one per transaction
 * (`shared/adapters/dynamodb/entities/transaction-change.ts`); each transaction row names the entry of its
 * latest write, and is reported under that entry only, so a transaction appears once, at its latest change. Removals are kept for {@link FEED_RETENTION_DAYS} days.
 * A position is an entry id (`<stamp>#<random>`) and a place inside that entry; a cursor is an opaque
 * wrapper of one position, and the feed answers what lies after it, oldest first, so pages have no gaps and
 * no repeats, and a page may end inside an entry.
 *
 * Writers stamp an entry when they write it, before the rows it covers, and a row is sent carrying an entry
 * only within half the settle window of the entry's stamp (the store writes a fresh entry for later sends and
 * retries). Readers therefore stop {@link FEED_SETTLE_MILLISECONDS} behind their clock: every position they
 * hand out is one no later write can land behind. A change is visible in the feed that long after it was
 * written.
 */
import { GoneError, ValidationError } from '../errors/app-error';
import { FEED_RETENTION_DAYS, FEED_SETTLE_MILLISECONDS, type FeedPosition, type RemovedTransaction, type Transaction } from './model';
import { requireConnection } from './ownership';
import type { Clock, ConnectionReader, TransactionChangeFeed } from './ports';

export { FEED_RETENTION_DAYS, FEED_SETTLE_MILLISECONDS };
export const FEED_DEFAULT_LIMIT = 100;
export const FEED_MAX_LIMIT = 500;

/** Version 1 cursors held a per-transaction change key; they are refused as expired since version 2. */
const CURSOR_VERSION = 2;
/** Sorts after every entry id, so a position `<time>#\uffff` lies after every entry of that millisecond. */
const AFTER_EVERY_ID = '\uffff';
const ENTRY = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)(#[^#]+)?$/;
const INNER = /^[irx].+$/;

export interface TransactionChanges {
  readonly added: Transaction[];
  readonly modified: Transaction[];
  readonly removed: RemovedTransaction[];
  readonly nextCursor: string;
  readonly hasMore: boolean;
}

export interface FeedDeps {
  readonly transactions: TransactionChangeFeed;
  readonly connections: ConnectionReader;
  readonly clock: Clock;
}

/** A cursor from which the feed answers every change stamped at or after `instant`. */
export function feedCursorAt(instant: Date): string {
  return encodeCursor({ entry: instant.toISOString(), inner: null });
}

export async function listTransactionChanges(
  deps: FeedDeps,
  userId: string,
  request: { cursor: string | null; limit: number; connectionId?: string },
): Promise<TransactionChanges> {
  const now = deps.clock.now();
  const after = request.cursor === null ? null : decodeCursor(request.cursor);
  const retentionStart = new Date(now.getTime() - FEED_RETENTION_DAYS * 86_400_000).toISOString();
  if (after !== null && stampOf(after) < retentionStart) {
    throw new GoneError('CURSOR_EXPIRED', `The cursor is older than the feed's ${FEED_RETENTION_DAYS}-day retention; start again without a cursor`);
  }
  if (request.connectionId !== undefined) await requireConnection(deps.connections, userId, request.connectionId);

  const upTo = `${new Date(now.getTime() - FEED_SETTLE_MILLISECONDS).toISOString()}#${AFTER_EVERY_ID}`;
  const { changes, hasMore, reached } = await deps.transactions.listChanges(userId, {
    after,
    upTo,
    limit: request.limit,
    ...(request.connectionId !== undefined ? { connectionId: request.connectionId } : {}),
  });

  const result: TransactionChanges = { added: [], modified: [], removed: [], nextCursor: '', hasMore };
  for (const change of changes) {
    if (change.kind === 'removed') {
      // DynamoDB's TTL sweep can lag; a removal past its retention is not reported any more.
      if (change.removal.removedAt >= retentionStart) result.removed.push(change.removal);
    } else if (after === null || isAddedAfter(change.transaction, after)) {
      result.added.push(change.transaction);
    } else {
      result.modified.push(change.transaction);
    }
  }
  // Read to the end: everything up to the settle horizon is seen, so the cursor moves there (an idle client
  // keeps a fresh cursor). Otherwise it stops where the store stopped examining.
  const next = hasMore ? reached : latest([reached, { entry: upTo, inner: null }, ...(after ? [after] : [])]);
  return { ...result, nextCursor: encodeCursor(next) };
}

/**
 * Whether a transaction reported after `after` was created after it too. A new row's `createdAt` is the
 * stamp of the entry that created it (a row written once stores no `created_at`: it reads as its entry's
 * stamp); within the cursor's own millisecond, a row never rewritten since it was created
 * (`createdAt === updatedAt`) is reported under the entry that created it, which lies after the cursor.
 */
function isAddedAfter(transaction: Transaction, after: FeedPosition): boolean {
  const stamp = stampOf(after);
  return transaction.createdAt > stamp || (transaction.createdAt === stamp && transaction.createdAt === transaction.updatedAt);
}

function stampOf(position: FeedPosition): string {
  return position.entry.slice(0, 24);
}

function comparePositions(a: FeedPosition, b: FeedPosition): number {
  if (a.entry !== b.entry) return a.entry < b.entry ? -1 : 1;
  // A whole entry (null) lies after every place inside it.
  if (a.inner === b.inner) return 0;
  if (a.inner === null) return 1;
  if (b.inner === null) return -1;
  return a.inner < b.inner ? -1 : 1;
}

function latest(positions: readonly FeedPosition[]): FeedPosition {
  return positions.reduce((best, position) => (comparePositions(position, best) > 0 ? position : best));
}

function encodeCursor(position: FeedPosition): string {
  const body = position.inner === null ? { v: CURSOR_VERSION, e: position.entry } : { v: CURSOR_VERSION, e: position.entry, i: position.inner };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): FeedPosition {
  const invalid = () => new ValidationError('Invalid cursor', [{ field: 'query.cursor', message: 'Not a cursor this feed returned' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const { v, e, i } = parsed as { v?: unknown; e?: unknown; i?: unknown };
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v < CURSOR_VERSION) {
    throw new GoneError('CURSOR_EXPIRED', 'The cursor is from an earlier version of the feed; start again without a cursor');
  }
  if (v !== CURSOR_VERSION || typeof e !== 'string') throw invalid();
  const match = ENTRY.exec(e);
  if (!match || Number.isNaN(Date.parse(match[1]!))) throw invalid();
  if (i !== undefined && (typeof i !== 'string' || !INNER.test(i))) throw invalid();
  return { entry: e, inner: i ?? null };
}
