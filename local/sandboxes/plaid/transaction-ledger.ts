/**
 * The per-Item transaction store behind /transactions/sync.
 *
 * Every change (add, modify, remove) gets the next number of an Item-wide sequence. A cursor is a position in
 * that sequence, so "what changed since cursor C" is every transaction whose last change is after C:
 * - still present and first seen after the pagination's base position → `added`;
 * - still present but first seen at or before the base → `modified`;
 * - removed and first seen at or before the base → `removed` (removed before the client ever saw it → nothing).
 * Each list is ordered by ascending last change, like Plaid's (https://plaid.com/docs/api/products/transactions/#transactionssync).
 *
 * Lookup is a binary search over an append-only change index (superseded entries are skipped lazily), so a
 * page costs O(page size) even for histories of 100k rows.
 */
import type { RemovedTransaction, Transaction } from 'plaid';

interface LedgerRecord {
  transaction: Transaction;
  /** Sequence number at which the transaction first appeared. */
  readonly createdSeq: number;
  /** Sequence number of its latest change. */
  lastSeq: number;
  removed: boolean;
}

interface ChangeSlot {
  readonly seq: number;
  readonly transactionId: string;
}

export interface ChangeQuery {
  /** Position the pagination loop started from: classifies added vs modified and hides unseen removals. */
  readonly base: number;
  /** Position to continue after (equal to `base` on the first page of a loop). */
  readonly position: number;
  readonly count: number;
  /** Per-account sync (`options.account_id`). */
  readonly accountId?: string;
}

export interface ChangePage {
  readonly added: Transaction[];
  readonly modified: Transaction[];
  readonly removed: RemovedTransaction[];
  readonly hasMore: boolean;
  /** Where the next page continues; the ledger's end when nothing is left. */
  readonly nextPosition: number;
}

export class TransactionLedger {
  private readonly records = new Map<string, LedgerRecord>();
  private readonly changes: ChangeSlot[] = [];
  private sequence = 0;

  /** Latest sequence number (0 when empty); moves on every change. */
  get revision(): number {
    return this.sequence;
  }

  get size(): number {
    return this.records.size;
  }

  add(transaction: Transaction): void {
    if (this.records.has(transaction.transaction_id)) throw new Error(`duplicate transaction id ${transaction.transaction_id}`);
    const seq = this.bump(transaction.transaction_id);
    this.records.set(transaction.transaction_id, { transaction, createdSeq: seq, lastSeq: seq, removed: false });
  }

  modify(transaction: Transaction): void {
    const record = this.liveRecord(transaction.transaction_id);
    record.transaction = transaction;
    record.lastSeq = this.bump(transaction.transaction_id);
  }

  remove(transactionId: string): void {
    const record = this.liveRecord(transactionId);
    record.removed = true;
    record.lastSeq = this.bump(transactionId);
  }

  get(transactionId: string): Transaction | undefined {
    const record = this.records.get(transactionId);
    return record && !record.removed ? record.transaction : undefined;
  }

  /** Present (not removed) transactions, oldest change first. */
  live(filter: (transaction: Transaction) => boolean = () => true): Transaction[] {
    const out: Transaction[] = [];
    for (const record of this.records.values()) if (!record.removed && filter(record.transaction)) out.push(record.transaction);
    return out;
  }

  changesSince(query: ChangeQuery): ChangePage {
    const added: Transaction[] = [];
    const modified: Transaction[] = [];
    const removed: RemovedTransaction[] = [];
    let collected = 0;
    let lastIncluded = query.position;
    for (let index = this.firstSlotAfter(query.position); index < this.changes.length; index += 1) {
      const slot = this.changes[index] as ChangeSlot;
      const record = this.records.get(slot.transactionId);
      if (!record || record.lastSeq !== slot.seq) continue; // superseded by a later change
      if (query.accountId !== undefined && record.transaction.account_id !== query.accountId) continue;
      const seenBefore = record.createdSeq <= query.base;
      if (record.removed && !seenBefore) continue; // appeared and vanished inside the window: nothing to report
      if (collected === query.count) return { added, modified, removed, hasMore: true, nextPosition: lastIncluded };
      if (record.removed) removed.push({ transaction_id: slot.transactionId, account_id: record.transaction.account_id });
      else if (seenBefore) modified.push(record.transaction);
      else added.push(record.transaction);
      collected += 1;
      lastIncluded = slot.seq;
    }
    return { added, modified, removed, hasMore: false, nextPosition: this.sequence };
  }

  private liveRecord(transactionId: string): LedgerRecord {
    const record = this.records.get(transactionId);
    if (!record || record.removed) throw new Error(`no live transaction ${transactionId}`);
    return record;
  }

  private bump(transactionId: string): number {
    this.sequence += 1;
    this.changes.push({ seq: this.sequence, transactionId });
    return this.sequence;
  }

  /** Index of the first change slot with seq > position (slots are in ascending seq order). */
  private firstSlotAfter(position: number): number {
    let low = 0;
    let high = this.changes.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.changes[middle] as ChangeSlot).seq <= position) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
