/**
 * Query helpers: read a whole (small) item collection, or one cursor-paged page of a listing.
 *
 * Nothing here scans: every read names a partition key value of the table or of an index.
 */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, type CursorExpectation } from './cursor';
import { indexes, keyAttributesOf, pickKey, type IndexName, type StoredItem, type TableRef } from './table';

export type QueryShape = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit' | 'IndexName'>;

/**
 * Every item of a query, following `LastEvaluatedKey` to the end. Only for collections that are small by
 * nature (a user's connections, accounts, categories; one connection's guard rows).
 */
export async function queryAll(table: TableRef, index: IndexName | null, query: QueryShape): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await table.client.send(
      new QueryCommand({
        ...query,
        TableName: table.tableName,
        ...(index ? { IndexName: indexes[index].name } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...((output.Items ?? []) as StoredItem[]));
    startKey = output.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export interface PageRequest {
  readonly index: IndexName | null;
  readonly query: QueryShape;
  /** What a cursor for this listing must look like (partition, range); see `cursor.ts`. */
  readonly cursor: Omit<CursorExpectation, 'attributes'>;
  /**
   * True when the query has a FilterExpression that can drop rows of the partition (pending, category...).
   * Then each round reads ahead more rows than still needed, since DynamoDB applies `Limit` before the filter.
   */
  readonly selectiveFilter: boolean;
  /**
   * The table partition every row of the queried partition belongs to (`USER#<id>`). Index partitions keyed
   * by an account or connection hold rows of one user only; when a filtered round ends on a row outside
   * this partition, the partition is someone else's: reading stops, and no cursor is made from that row
   * (it would hand the caller a foreign key).
   */
  readonly ownerPartition?: string;
}

export interface ItemPage {
  readonly items: StoredItem[];
  readonly nextCursor: string | null;
}

/** Bound on DynamoDB round trips per page, so a filter matching almost nothing cannot run a request long. */
const MAX_ROUNDS_PER_PAGE = 10;
const MAX_READ_AHEAD = 1000;

/**
 * Collects up to `limit` items, querying again while the filter leaves a round short. The next cursor is
 * built from the keys of the last item *returned*, not from DynamoDB's `LastEvaluatedKey`: when a round
 * yields more matches than the page needs, `LastEvaluatedKey` points past items the caller never saw, and
 * starting there would skip them. Only when the round budget runs out with the page still short does the
 * cursor come from `LastEvaluatedKey` (every row before it was evaluated and either returned or filtered
 * out), so the page is short but nothing is skipped or repeated.
 *
 * @example
 * const page = await queryPage(table, { index: 'GSI1', query, cursor: { equals: { GSI1PK: pk } }, selectiveFilter: false }, 50, null);
 */
export async function queryPage(
  table: TableRef,
  request: PageRequest,
  limit: number,
  cursor: string | null,
): Promise<ItemPage> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`Page limit must be a positive integer, got ${limit}`);
  const keyAttributes = keyAttributesOf(request.index);
  let startKey: Record<string, unknown> | undefined = cursor
    ? { ...decodeCursor(cursor, { ...request.cursor, attributes: keyAttributes }) }
    : undefined;
  const collected: StoredItem[] = [];
  const seen = { evaluated: 0, matched: 0 };

  for (let round = 1; ; round++) {
    const remaining = limit - collected.length;
    const readLimit = request.selectiveFilter ? readAhead(remaining, seen) : remaining;
    const output = await table.client.send(
      new QueryCommand({
        ...request.query,
        TableName: table.tableName,
        ...(request.index ? { IndexName: indexes[request.index].name } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        Limit: readLimit,
      }),
    );
    const items = (output.Items ?? []) as StoredItem[];
    seen.evaluated += output.ScannedCount ?? readLimit;
    seen.matched += items.length;
    for (let position = 0; position < items.length; position++) {
      collected.push(items[position] as StoredItem);
      if (collected.length === limit) {
        const exhausted = position === items.length - 1 && !output.LastEvaluatedKey;
        const last = items[position] as StoredItem;
        return { items: collected, nextCursor: exhausted ? null : encodeCursor(pickKey(last, keyAttributes)) };
      }
    }
    startKey = output.LastEvaluatedKey;
    if (!startKey) return { items: collected, nextCursor: null };
    if (request.ownerPartition !== undefined && startKey.PK !== request.ownerPartition) {
      return { items: collected, nextCursor: null };
    }
    if (round >= MAX_ROUNDS_PER_PAGE) return { items: collected, nextCursor: encodeCursor(startKey) };
  }
}

/**
 * How many rows to let DynamoDB evaluate (`Limit` counts rows before the FilterExpression) to find
 * `remaining` matches. The first round assumes most rows match, as they do for `pending=false`, so a page of
 * such a filter reads about what it returns instead of four times as much; later rounds scale by the match
 * rate seen so far. The ceiling (four rows per wanted match, at least 100, at most {@link MAX_READ_AHEAD})
 * bounds what one request can read for a filter that matches almost nothing.
 */
function readAhead(remaining: number, seen: { evaluated: number; matched: number }): number {
  const ceiling = Math.min(MAX_READ_AHEAD, Math.max(100, remaining * 4));
  if (seen.evaluated === 0) return Math.min(ceiling, Math.ceil(remaining * 1.25));
  if (seen.matched === 0) return ceiling;
  const rowsPerMatch = seen.evaluated / seen.matched;
  return Math.min(ceiling, Math.max(remaining, Math.ceil(remaining * rowsPerMatch * 1.25)));
}
