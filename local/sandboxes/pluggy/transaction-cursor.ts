/**
 * The `after` cursor of `GET /v2/transactions`.
 *
 * Pluggy's cursor is opaque base64 that its `next` link carries already %-encoded (field reports; the SDK joins
 * `next` to the base URL with `new URL(next, base)`). This one is standard base64 (not base64url) of a small
 * JSON document and always starts with `+++/`, so a client that decodes or forgets to encode it (a `+` sent
 * raw arrives as a space) fails loudly with 400 instead of silently re-reading a page.
 *
 * It holds the position (date and sequence of the last row returned) and a fingerprint of the filters it was
 * issued for, but not the filters themselves: the official SDK continues a listing by taking only `after` from
 * `next` and sending its filters again (pluggy-node `fetchAllTransactions`: `{ ...options, after }`), and
 * nothing documented says Pluggy keeps them in the cursor. So the stricter reading is built here: a page asked
 * for with `after` must repeat the first call's filters, or the sandbox answers 400 (a client that followed
 * `next` alone would otherwise silently widen its window).
 */

/** Bytes 0xFB 0xEF 0xBF encode to `+++/` in base64. */
const MARKER = Buffer.from([0xfb, 0xef, 0xbf]);

export interface TransactionFilters {
  readonly dateFrom?: string;
  readonly dateTo?: string;
  readonly createdAtFrom?: string;
  readonly ids?: readonly string[];
}

export interface TransactionCursor {
  readonly accountId: string;
  /** Position of the last row already returned. */
  readonly date: string;
  readonly sequence: number;
  /** {@link filtersFingerprint} of the filters the listing started with. */
  readonly filters: string;
}

/** A stable text for a set of filters (order of `ids` and absent fields do not matter). */
export function filtersFingerprint(filters: TransactionFilters): string {
  return JSON.stringify([filters.dateFrom ?? null, filters.dateTo ?? null, filters.createdAtFrom ?? null, filters.ids ? [...filters.ids].sort() : null]);
}

export function encodeCursor(cursor: TransactionCursor): string {
  const json = JSON.stringify({ a: cursor.accountId, d: cursor.date, s: cursor.sequence, f: cursor.filters });
  return Buffer.concat([MARKER, Buffer.from(json, 'utf8')]).toString('base64');
}

/** The cursor, or undefined when `text` is not one this sandbox issued. */
export function decodeCursor(text: string): TransactionCursor | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length <= MARKER.length || !bytes.subarray(0, MARKER.length).equals(MARKER)) return undefined;
  try {
    const parsed = JSON.parse(bytes.subarray(MARKER.length).toString('utf8')) as { a?: unknown; d?: unknown; s?: unknown; f?: unknown };
    if (typeof parsed.a !== 'string' || typeof parsed.d !== 'string' || typeof parsed.s !== 'number' || typeof parsed.f !== 'string') return undefined;
    return { accountId: parsed.a, date: parsed.d, sequence: parsed.s, filters: parsed.f };
  } catch {
    return undefined;
  }
}

/** The relative `next` link: `?accountId=<id>&after=<%-encoded cursor>`. */
export function nextLink(cursor: TransactionCursor): string {
  const query = new URLSearchParams({ accountId: cursor.accountId, after: encodeCursor(cursor) });
  return `?${query.toString()}`;
}
