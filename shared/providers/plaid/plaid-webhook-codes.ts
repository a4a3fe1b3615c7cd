/**
 * Which Plaid webhooks this service acts on, decided by `webhook_type` and `webhook_code` alone: the one table
 * both the interpreter (`plaid-webhook-interpreter.ts`, which turns the rest into actions) and the receipt
 * (`describePlaidWebhook`, which settles an ignored event without queueing it) read, so they cannot disagree.
 * Pure and free of imports, so the webhook route bundles it at no cost.
 *
 * TRANSACTIONS: https://plaid.com/docs/api/products/transactions/#webhooks
 * ITEM:         https://plaid.com/docs/api/items/#webhooks
 */

/**
 * The ITEM codes the interpreter turns into an action; its switch is over this type, so the compiler keeps
 * the two in step. Any other ITEM code (Plaid's enums are extensible) is ignored.
 */
export const PLAID_ITEM_CODES = [
  'ERROR',
  'ITEM_LOGIN_REQUIRED',
  'PENDING_EXPIRATION',
  'PENDING_DISCONNECT',
  'USER_PERMISSION_REVOKED',
  'USER_ACCOUNT_REVOKED',
  'LOGIN_REPAIRED',
  'NEW_ACCOUNTS_AVAILABLE',
  'WEBHOOK_UPDATE_ACKNOWLEDGED',
] as const;

export type PlaidItemCode = (typeof PLAID_ITEM_CODES)[number];

const itemCodes: ReadonlySet<string> = new Set(PLAID_ITEM_CODES);

/** What a Plaid webhook's type and code say, before the rest of its body is read. */
export type PlaidWebhookHandling =
  /** New transactions data waits at Plaid: a sync reads it. */
  | { readonly kind: 'sync' }
  /** An Item event the interpreter reads further (error object, consent expiry, account id). */
  | { readonly kind: 'item'; readonly code: PlaidItemCode }
  /** Ignored whatever the state of the connection; `note` says why (logged by whoever settles it). */
  | { readonly kind: 'ignore'; readonly note: string };

export function plaidWebhookHandling(type: string, code: string): PlaidWebhookHandling {
  switch (type) {
    case 'TRANSACTIONS':
      return transactionsHandling(code);
    case 'ITEM':
      return itemCodes.has(code) ? { kind: 'item', code: code as PlaidItemCode } : ignore(`unhandled ITEM code ${code}`);
    // AUTH, HOLDINGS, LINK, ...: products this service does not use.
    default:
      return ignore(`${type} webhooks are not used by this service`);
  }
}

function transactionsHandling(code: string): PlaidWebhookHandling {
  switch (code) {
    // The one transactions webhook a /transactions/sync integration needs: fires after the first sync
    // call and again whenever the Item has changes (added, modified or removed transactions).
    // https://plaid.com/docs/api/products/transactions/#sync_updates_available
    case 'SYNC_UPDATES_AVAILABLE':
      return { kind: 'sync' };
    // Legacy /transactions/get notifications. Plaid keeps sending them alongside SYNC_UPDATES_AVAILABLE;
    // the sync cursor already covers what they announce, including removals.
    case 'INITIAL_UPDATE':
    case 'HISTORICAL_UPDATE':
    case 'DEFAULT_UPDATE':
    case 'TRANSACTIONS_REMOVED':
      return ignore(`${code} is covered by the transactions sync cursor`);
    // Recurring-transactions add-on (/transactions/recurring/get), which this service does not call.
    case 'RECURRING_TRANSACTIONS_UPDATE':
      return ignore('recurring transactions are not used');
    default:
      return ignore(`unhandled TRANSACTIONS code ${code}`);
  }
}

function ignore(note: string): PlaidWebhookHandling {
  return { kind: 'ignore', note };
}
