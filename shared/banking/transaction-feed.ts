/**
 * The transaction change feed: what changed in a user's transactions since a cursor, in the shape of Plaid's
 * `/transactions/sync` (https://plaid.com/docs/api/products/transactions/#transactionssync) but for our own
 * clients: `added`, `modified`, `removed` (tombstones), `next_cursor`, `has_more`.
 *
 * Positions are change keys, `<changedAt>#<transactionId>` (ISO-8601 UTC with milliseconds, then the id):
 * every write of a transaction moves it to the end of its user's feed, and a removal leaves a tombstone there
 * for {@link FEED_RETENTION_DAYS} days. A cursor is an opaque wrapper of one position; the feed answers what
 * lies after it, oldest first, so pages have no gaps and no repeats.
 *
 * Writers stamp a change key when they send the write (the store does it per request), so a key can still
 * land up to one write request's duration after its own time. Readers therefore stop
 * {@link FEED_SETTLE_MILLISECONDS} behind their clock: every position they hand out is one no later write can
 * land behind. A change is visible in the feed that long after it was written.
 */
import { GoneError, ValidationError } from '../errors/app-error';
import type { RemovedTransaction, Transaction } from './model';
import { requireConnection } from './ownership';
import type { Clock, ConnectionStore, TransactionStore } from './ports';

/** How long tombstones are kept; a cursor older than this may have missed removals and is refused. */
export const FEED_RETENTION_DAYS = 30;
/**
 * How far behind the clock readers stay. It bounds the time from stamping a key to the write being stored:
 * one DynamoDB request including the SDK's own retries (3 attempts, backoff of at most a few seconds,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html); the store re-stamps
 * entries it retries itself.
 */
export const FEED_SETTLE_MILLISECONDS = 10_000;
export const FEED_DEFAULT_LIMIT = 100;
export const FEED_MAX_LIMIT = 500;

const CURSOR_VERSION = 1;
/** Sorts after every transaction id, so a position `<time>#\uffff` lies after every key of that millisecond. */
const AFTER_EVERY_ID = '\uffff';
const POSITION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)(#[^#]+)?$/;

export interface TransactionChanges {
  readonly added: Transaction[];
  readonly modified: Transaction[];
  readonly removed: RemovedTransaction[];
  readonly nextCursor: string;
  readonly hasMore: boolean;
}

export interface FeedDeps {
  readonly transactions: Pick<TransactionStore, 'listChanges'>;
  readonly connections: ConnectionStore;
  readonly clock: Clock;
}

/** A cursor from which the feed answers every change stamped at or after `instant`. */
export function feedCursorAt(instant: Date): string {
  return encodeCursor(instant.toISOString());
}


export async function listTransactionChanges(
  deps: FeedDeps,
  userId: string,
  request: { cursor: string | null; limit: number; connectionId?: string },
): Promise<TransactionChanges> {
  const now = deps.clock.now();
  const after = request.cursor === null ? null : decodeCursor(request.cursor);
  const retentionStart = new Date(now.getTime() - FEED_RETENTION_DAYS * 86_400_000).toISOString();
  if (after !== null && after < retentionStart) {
    throw new GoneError('CURSOR_EXPIRED', `The cursor is older than the feed's ${FEED_RETENTION_DAYS}-day retention; start again without a cursor`);
  }
  if (request.connectionId !== undefined) await requireConnection(deps.connections, userId, request.connectionId);

  const upTo = `${new Date(now.getTime() - FEED_SETTLE_MILLISECONDS).toISOString()}#${AFTER_EVERY_ID}`;
  const { changes, hasMore } = await deps.transactions.listChanges(userId, {
    after,
    upTo,
    limit: request.limit,
    ...(request.connectionId !== undefined ? { connectionId: request.connectionId } : {}),
  });

  const result: TransactionChanges = { added: [], modified: [], removed: [], nextCursor: '', hasMore };
  for (const change of changes) {
    if (change.kind === 'removed') {
      // DynamoDB's TTL sweep can lag; a tombstone past its retention is not reported any more.
      if (change.removal.removedAt >= retentionStart) result.removed.push(change.removal);
    } else if (after === null || change.addedKey > after) {
      result.added.push(change.transaction);
    } else {
      result.modified.push(change.transaction);
    }
  }
  const last = changes.at(-1)?.changeKey;
  // Read to the end: everything up to the settle horizon is seen, so the cursor moves there (an idle client
  // keeps a fresh cursor). Otherwise it stops at the last change returned.
  const next = hasMore ? (last ?? after ?? upTo) : maxPosition(last ?? null, upTo, after);
  return { ...result, nextCursor: encodeCursor(next) };
}

function maxPosition(...positions: (string | null)[]): string {
  return positions.filter((position): position is string => position !== null).sort().at(-1)!;
}

function encodeCursor(position: string): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, p: position }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const invalid = () => new ValidationError('Invalid cursor', [{ field: 'query.cursor', message: 'Not a cursor this feed returned' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const { v, p } = parsed as { v?: unknown; p?: unknown };
  if (v !== CURSOR_VERSION || typeof p !== 'string') throw invalid();
  const match = POSITION.exec(p);
  if (!match || Number.isNaN(Date.parse(match[1]!))) throw invalid();
  return p;
}
