/**
 * /transactions/sync cursors.
 *
 * Plaid's cursors are opaque strings (≤ 256 characters). Ours encode, base64url:
 * - the Item they belong to (a short hash, so another Item's cursor is rejected),
 * - `base`: the position the current pagination loop started from,
 * - `position`: where the next page continues,
 * - `revision`: the ledger revision when a page with `has_more: true` was served (0 otherwise). A later call
 *   with that cursor after the data changed gets TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION, as Plaid does
 *   (https://plaid.com/docs/errors/transactions/#transactions_sync_mutation_during_pagination),
 * - the account of a per-account sync (`options.account_id`), if any.
 */
import { createHash } from 'node:crypto';

export interface SyncCursor {
  readonly base: number;
  readonly position: number;
  /** Non-zero only inside a pagination loop (the cursor came from a page with `has_more: true`). */
  readonly revision: number;
  readonly accountId?: string;
}

const VERSION = 'v1';

function itemTag(itemId: string): string {
  return createHash('sha256').update(itemId).digest('base64url').slice(0, 10);
}

export function encodeCursor(itemId: string, cursor: SyncCursor): string {
  const text = [VERSION, itemTag(itemId), cursor.base, cursor.position, cursor.revision, cursor.accountId ?? ''].join(':');
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** The decoded cursor, or undefined when it is not one of ours or belongs to another Item. */
export function decodeCursor(itemId: string, encoded: string): SyncCursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  const parts = Buffer.from(encoded, 'base64url').toString('utf8').split(':');
  if (parts.length !== 6 || parts[0] !== VERSION || parts[1] !== itemTag(itemId)) return undefined;
  const [base, position, revision] = [Number(parts[2]), Number(parts[3]), Number(parts[4])];
  if (![base, position, revision].every((value) => Number.isSafeInteger(value) && value >= 0) || position < base) return undefined;
  return { base, position, revision, accountId: parts[5] === '' ? undefined : parts[5] };
}

/**
 * Whether `encoded` is a cursor taken from a page with `has_more: true`, i.e. a call that continues a
 * pagination loop. Checked before the Item is known, so the Item tag is not verified here.
 */
export function isMidPaginationCursor(encoded: unknown): boolean {
  if (typeof encoded !== 'string' || !/^[A-Za-z0-9_-]+$/.test(encoded)) return false;
  const parts = Buffer.from(encoded, 'base64url').toString('utf8').split(':');
  return parts.length === 6 && parts[0] === VERSION && Number(parts[4]) > 0;
}
