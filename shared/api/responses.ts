/**
 * Response schemas of the public API (zod): what each route answers, success bodies and the one error
 * envelope. The presenters (`./presenters.ts`) are typed by these schemas with type-only imports, so the
 * compiler keeps them in line; the OpenAPI writer (`infra/openapi/`) documents them, and the end-to-end
 * tests validate every response they receive against that document.
 *
 * Handler bundles never import this module at run time: only `import type` from `shared/` and `functions/`.
 * Schemas named with `.meta({ id })` become `components.schemas` entries of the document (and named types
 * of the generated client).
 */
import { z } from 'zod';
import { accountTypes, connectionStatuses, providers } from '../banking/model';
import { nextStepActions } from '../banking/next-step';

const timestamp = z.string().describe('ISO 8601 timestamp (UTC)');
const nullableTimestamp = timestamp.nullable();
const money = z.string().describe('Exact decimal string; negative means money leaving the account');
const provider = z.enum(providers);

export const errorEnvelope = z
  .object({
    error: z.object({
      code: z.string().describe('Stable UPPER_SNAKE code, e.g. VALIDATION_FAILED.'),
      message: z.string().describe('Human-readable summary; never contains secrets.'),
      details: z
        .union([z.null(), z.array(z.object({ field: z.string(), message: z.string() })), z.record(z.string(), z.unknown())])
        .describe('Extra data safe to show; for VALIDATION_FAILED a list of {field, message}.'),
    }),
  })
  .meta({ id: 'ErrorEnvelope', description: 'Every error the functions answer.' });

/** What API Gateway itself answers (JWT authorizer refusal, throttling, integration failure). */
export const gatewayMessage = z
  .object({ message: z.string() })
  .meta({ id: 'GatewayMessage', description: "API Gateway's own answer, e.g. {\"message\":\"Unauthorized\"}." });

const statusReason = z.object({ code: z.string(), message: z.string() }).nullable();

export const consent = z
  .object({
    products: z.array(z.string()),
    created_at: nullableTimestamp,
    expires_at: nullableTimestamp,
    revoked_at: nullableTimestamp,
    valid: z.boolean(),
  })
  .meta({ id: 'Consent', description: 'Open Finance consent (Pluggy).' });

export const connection = z
  .object({
    id: z.string(),
    provider,
    institution: z.object({
      id: z.string(),
      name: z.string(),
      status: z.enum(['operational', 'degraded']).describe('degraded: the bank is known to be down; its connections wait.'),
    }),
    status: z
      .enum([...connectionStatuses, 'institution_unavailable'])
      .describe('institution_unavailable: the bank is down; auto-sync waits for it to recover (nothing for the user to do).'),
    status_reason: statusReason,
    products: z.array(z.string()),
    product_tag: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    last_sync_at: nullableTimestamp,
    last_sync_outcome: z.enum(['queued', 'running', 'retrying', 'succeeded', 'partial', 'failed']).nullable(),
    next_sync_at: nullableTimestamp,
    consent: consent.nullable(),
    pending_user_action: z
      .object({ url: z.string().nullable(), expires_at: nullableTimestamp, instructions: z.string().nullable() })
      .nullable()
      .describe('What the user must do at the bank (Open Finance authorization link), when the connection waits for it.'),
    provider_update: z
      .object({ not_before: nullableTimestamp, outdated_retries: z.number().int() })
      .nullable()
      .describe("When the provider allows the next request for fresh data (null: now), and how many automatic OUTDATED retries were used (Pluggy)."),
    next_step: z
      .object({
        action: z.enum(nextStepActions),
        message: z.string(),
        method: z.enum(['POST']).nullable(),
        path: z.string().nullable().describe('The API call that starts the step, relative to the API base URL.'),
        url: z.string().nullable().describe('Where the user goes instead (an Open Finance authorization page).'),
        due_by: nullableTimestamp.describe('When the step must be done by (consent or access end), when known.'),
      })
      .nullable()
      .describe('What the user should do next (renew a consent, sign in again, wait for the bank), or null.'),
  })
  .meta({ id: 'Connection' });

export const account = z
  .object({
    id: z.string(),
    connection_id: z.string(),
    provider,
    provider_account_id: z.string(),
    name: z.string(),
    official_name: z.string().nullable(),
    type: z.enum(accountTypes),
    subtype: z.string().nullable(),
    mask: z.string().nullable(),
    balances: z.object({
      current: money.nullable(),
      available: money.nullable(),
      limit: money.nullable(),
      currency: z.string(),
      updated_at: nullableTimestamp,
    }),
    has_numbers: z.boolean(),
    status: z.enum(['active', 'revoked']).describe('revoked: the user withdrew access to this account at the bank; it no longer syncs.'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Account' });

export const transaction = z
  .object({
    id: z.string(),
    account_id: z.string(),
    connection_id: z.string(),
    provider,
    amount: money,
    currency: z.string(),
    date: z.string().describe('YYYY-MM-DD'),
    authorized_date: z.string().nullable(),
    description: z.string(),
    merchant_name: z.string().nullable(),
    pending: z.boolean(),
    category_id: z.string().nullable(),
    provider_category: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
    user_category_id: z.string().nullable(),
    note: z.string().nullable(),
    category_sync: z
      .object({ status: z.enum(['pending', 'synced', 'failed']), updated_at: timestamp, error: z.string().nullable() })
      .nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Transaction' });

export const category = z
  .object({
    id: z.string(),
    name: z.string(),
    source: z.enum([...providers, 'user']),
    parent_id: z.string().nullable(),
    editable: z.boolean(),
  })
  .meta({ id: 'Category' });

export const syncRun = z
  .object({
    id: z.string(),
    connection_id: z.string(),
    trigger: z.enum(['link', 'manual', 'webhook', 'schedule']),
    outcome: z.enum(['queued', 'running', 'retrying', 'succeeded', 'partial', 'failed']),
    started_at: timestamp,
    finished_at: nullableTimestamp,
    counts: z.object({ added: z.number().int(), modified: z.number().int(), removed: z.number().int(), accounts: z.number().int() }),
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        provider_request_id: z.string().nullable().describe("The provider's request id (Plaid), for its support."),
      })
      .nullable(),
    account_errors: z.array(z.object({ account_id: z.string(), code: z.string(), message: z.string() })),
  })
  .meta({ id: 'SyncRun' });

export const mfaPrompt = z
  .object({
    name: z.string().describe('Send the answer as {parameters: {<name>: <value>}}.'),
    label: z.string().nullable(),
    type: z.string().nullable(),
    placeholder: z.string().nullable(),
    assistive_text: z.string().nullable(),
    validation: z.string().nullable(),
    expires_at: nullableTimestamp,
    data: z.string().nullable(),
    options: z.array(z.object({ value: z.string(), label: z.string() })),
  })
  .meta({ id: 'MfaPrompt', description: 'What a Pluggy item asks the user while it waits for input.' });

const widgetOptions = z
  .object({
    connectToken: z.string(),
    includeSandbox: z.boolean(),
    updateItem: z.string().optional(),
    connectorTypes: z.array(z.string()).readonly().optional(),
    connectorIds: z.array(z.number().int()).readonly().optional(),
    countries: z.array(z.string()).readonly().optional(),
    products: z.array(z.string()).readonly().optional(),
  })
  .meta({ id: 'PluggyWidgetOptions', description: "Pluggy Connect's own props (camelCase), to pass to the widget unchanged." });

const connectTokenFields = {
  connect_token: z.string(),
  expires_at: timestamp,
  connect_url: z.string(),
  widget_options: widgetOptions,
};

export const pluggyConnectToken = z
  .object({ ...connectTokenFields, mode: z.enum(['create', 'update']) })
  .meta({ id: 'PluggyConnectToken' });

function page<T extends z.ZodType>(item: T, id: string) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() }).meta({ id });
}

export const health = z.object({ status: z.literal('ok') });
export const linkToken = z.object({ link_token: z.string(), expiration: z.string(), mode: z.enum(['create', 'update']) });
const queuedRunId = z.string().nullable().describe('The sync queued for the connection; null while it waits for the user (MFA, authorization).');
export const plaidExchange = z.object({
  connection,
  accounts: z.array(account),
  sync_run_id: queuedRunId,
  item_id: z.string().describe("Plaid's item_id (never the access token)."),
  product: z.string().nullable().describe('The product tag the client sent (product_tag or product), else null.'),
});
export const createdConnection = z.object({
  connection,
  accounts: z.array(account),
  sync_run_id: queuedRunId,
  mfa: mfaPrompt.nullable(),
});
export const connectionList = z.array(connection);
export const syncQueued = z.object({ sync_run_id: z.string(), status: z.enum(['queued', 'running', 'retrying']) });
export const syncFinished = z.object({
  sync_run_id: z.string(),
  status: z.enum(['succeeded', 'partial', 'failed']),
  transactions_synced: z.number().int().describe('Transactions the run added, modified and removed.'),
});
export const syncRunPage = page(syncRun, 'SyncRunPage');
export const credentialsRenewed = z.union([
  z.object({ provider: z.literal('plaid'), mode: z.literal('link_token'), link_token: z.string(), expiration: z.string() }),
  z.object({ provider: z.literal('pluggy'), mode: z.literal('connect_token'), ...connectTokenFields }),
]);
export const credentialsSent = z.object({
  provider: z.literal('pluggy'),
  mode: z.literal('credentials_sent'),
  connection,
  sync_run_id: queuedRunId,
  mfa: mfaPrompt.nullable(),
});
export const mfaSubmitted = z.object({ connection, sync_run_id: queuedRunId, mfa: mfaPrompt.nullable() });
export const connectionConsent = z.object({ connection_id: z.string(), provider, consent: consent.nullable() });
export const accountList = z.array(account);
export const accountNumbers = z.object({
  account_id: z.string(),
  account_number: z.string(),
  routing_number: z.string().nullable(),
  wire_routing_number: z.string().nullable(),
});
export const transactionPage = page(transaction, 'TransactionPage');
const transactionRemoval = z
  .object({ id: z.string(), connection_id: z.string(), account_id: z.string(), removed_at: z.string() })
  .meta({ id: 'TransactionRemoval' });
export const transactionChanges = z.object({
  added: z.array(transaction),
  modified: z.array(transaction),
  removed: z.array(transactionRemoval),
  next_cursor: z.string(),
  has_more: z.boolean(),
});
export const bulkCategorized = z.object({ updated: z.number().int(), data: z.array(transaction) });
export const categoryList = z.array(category);
export const categoryDeleted = z.object({ deleted: z.string(), reassigned: z.number().int() });
export const webhookReceipt = z.object({ received: z.literal(true), event_id: z.string(), duplicate: z.boolean() });

export type ConnectionBody = z.output<typeof connection>;
export type ConsentBody = z.output<typeof consent>;
export type TransactionChangesBody = z.output<typeof transactionChanges>;
export type AccountBody = z.output<typeof account>;
export type TransactionBody = z.output<typeof transaction>;
export type CategoryBody = z.output<typeof category>;
export type SyncRunBody = z.output<typeof syncRun>;
export type MfaPromptBody = z.output<typeof mfaPrompt>;
export type PluggyConnectTokenBody = z.output<typeof pluggyConnectToken>;
export type ConnectionConsentBody = z.output<typeof connectionConsent>;
export type PlaidExchangeBody = z.output<typeof plaidExchange>;
export type CreatedConnectionBody = z.output<typeof createdConnection>;
export type CredentialsSentBody = z.output<typeof credentialsSent>;
export type MfaSubmittedBody = z.output<typeof mfaSubmitted>;
