/**
 * Helpers for the fault-injection suite: a seeded plan of provider faults at chosen call indexes, and the
 * comparison every case ends with — what the table holds for a connection against what the Plaid sandbox
 * holds for its Item (the state a fault-free run leaves behind).
 */
import { expect } from 'vitest';
import type { PlaidFault } from '../../local/sandboxes/plaid/control-endpoints';
import { SeededRandom } from '../../local/sandboxes/common/seeded-random';
import type { Transaction } from '../../shared/banking/model';
import { eventually } from './eventually';
import type { LocalStack } from './local-stack';
import { ourTransactionId, pollSyncRuns, sandboxLedger, type LinkedItem } from './plaid-e2e';
import type { BankingStores } from './seed-banking-data';

export const UNFINISHED_OUTCOMES: ReadonlySet<string> = new Set(['queued', 'running', 'retrying']);

export interface PlannedFault {
  /** 0-based index among the calls to the endpoint, retries included. */
  readonly callIndex: number;
  readonly fault: PlaidFault;
}

/**
 * The faults a random plan draws from: rate limit, server errors, a dropped connection (what a timeout looks
 * like to the client, without waiting out the client's 20-second timeout). Each costs exactly one extra call.
 */
const FAULT_MENU: readonly PlaidFault[] = [
  { type: 'status', status: 429 },
  { type: 'status', status: 500 },
  { type: 'status', status: 503 },
  { type: 'disconnect' },
];

/**
 * Picks `faultCount` distinct call indexes in `[0, callSpan)` with a seeded PRNG and a fault for each, never
 * more than `maxConsecutive` faulted calls in a row (the in-call retry absorbs that many; the case where it
 * cannot is covered by plaid-sync-faults-e2e).
 */
export function randomFaultPlan(seed: number, faultCount: number, callSpan: number, maxConsecutive = 2): PlannedFault[] {
  const random = new SeededRandom(seed);
  const chosen = new Set<number>();
  const runLength = (index: number) => {
    let length = 1;
    for (let before = index - 1; chosen.has(before); before -= 1) length += 1;
    for (let after = index + 1; chosen.has(after); after += 1) length += 1;
    return length;
  };
  let guard = 0;
  while (chosen.size < faultCount) {
    guard += 1;
    if (guard > 10_000) throw new Error('cannot place that many faults in that span');
    const index = random.integer(0, callSpan - 1);
    if (chosen.has(index)) continue;
    chosen.add(index);
    if (runLength(index) > maxConsecutive) chosen.delete(index);
  }
  return [...chosen].sort((left, right) => left - right).map((callIndex) => ({ callIndex, fault: random.pick(FAULT_MENU) }));
}

/**
 * Arms the plan on the sandbox's fault switch. Rules are consulted in order and a rule's `after` counts only
 * the calls that reach it, i.e. those no earlier rule faulted; so the k-th planned fault (0-based) skips its
 * call index minus k.
 */
export function armFaultPlan(stack: LocalStack, endpoint: string, plan: readonly PlannedFault[]): void {
  plan.forEach((planned, position) => {
    stack.plaid.faults.arm({ endpoint, fault: planned.fault, after: planned.callIndex - position });
  });
}

/** Every stored transaction of a connection, straight from the table. */
export async function storedTransactions(stores: BankingStores, item: Pick<LinkedItem, 'userId' | 'connectionId'>): Promise<Transaction[]> {
  const all: Transaction[] = [];
  let cursor: string | null = null;
  do {
    const page = await stores.transactions.list(item.userId, { connectionId: item.connectionId }, 200, cursor);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/** What distinguishes one transaction's content, in a form both sides can be reduced to. */
function fingerprint(id: string, providerId: string, date: string, amountOut: number, pending: boolean): string {
  return `${id}|${providerId}|${date}|${amountOut.toFixed(2)}|${pending}`;
}

/**
 * Asserts the table holds exactly the sandbox ledger of the Item: every transaction once, none missing,
 * none extra, with the ledger's date, amount and pending state. Returns the stored rows.
 */
export async function expectStoredEqualsLedger(
  stack: LocalStack,
  stores: BankingStores,
  item: Pick<LinkedItem, 'userId' | 'connectionId' | 'itemId'>,
): Promise<Transaction[]> {
  const stored = await storedTransactions(stores, item);
  const ids = stored.map((transaction) => transaction.transactionId);
  expect(new Set(ids).size, 'no transaction is stored twice').toBe(ids.length);
  // Plaid's amount is positive for money out; ours is negative for money out.
  const storedPrints = stored
    .map((transaction) => fingerprint(transaction.transactionId, transaction.providerTransactionId, transaction.date, -Number(transaction.amount), transaction.pending))
    .sort();
  const ledgerPrints = sandboxLedger(stack, item)
    .map((row) => fingerprint(ourTransactionId(item, row.transaction_id), row.transaction_id, row.date, row.amount, row.pending))
    .sort();
  expect(stored.length).toBe(ledgerPrints.length);
  expect(storedPrints).toEqual(ledgerPrints);
  return stored;
}

/** The last `next_cursor` the sandbox handed out for this access token (what a complete pass ends on). */
export function lastIssuedCursor(stack: LocalStack, item: Pick<LinkedItem, 'accessToken'>): string | undefined {
  const calls = stack.plaid.recorder
    .list({ path: '/transactions/sync', kind: 'provider' })
    .filter((call) => call.status === 200 && (call.requestBody as { access_token?: string }).access_token === item.accessToken);
  const last = calls.at(-1)?.responseBody as { next_cursor?: string; has_more?: boolean } | undefined;
  return last && last.has_more === false ? last.next_cursor : undefined;
}

/** Waits until every sync run of the connection has an outcome and at least `atLeast` exist; returns them. */
export function settledRuns(stack: LocalStack, item: Pick<LinkedItem, 'userId' | 'connectionId'>, atLeast: number, timeoutMs = 45_000): Promise<any[]> {
  return eventually(
    `${atLeast} sync runs of ${item.connectionId} have finished`,
    async () => {
      const runs = await pollSyncRuns(stack, item);
      return runs && runs.length >= atLeast && runs.every((run) => !UNFINISHED_OUTCOMES.has(run.outcome)) ? runs : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}
