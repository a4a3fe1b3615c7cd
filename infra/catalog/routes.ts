/**
 * The one table of HTTP routes, queue workers and scheduled functions.
 *
 * Three consumers read it: the CDK stack (one Lambda, route, event source and set of grants per row), the
 * local gateway and queue poller in `local/` (which load the same handler files), and the OpenAPI writer in
 * `infra/openapi/`. Adding an endpoint means adding a row here and a handler file; nothing else lists routes.
 *
 * Plain data only: no aws-cdk-lib, no SDK, no handler imports (handlers are referenced by path so that each
 * consumer decides how to load or bundle them). Request schemas are the zod objects the handlers validate
 * with (`shared/api/schemas.ts`), so the OpenAPI document cannot drift from what the API accepts.
 */
import type * as z from 'zod/v4/core';
import {
  accountListQuery,
  bulkCategorizeBody,
  categoryCreateBody,
  categoryDeleteQuery,
  categoryRenameBody,
  connectionCredentialsBody,
  connectionMfaBody,
  createConnectionBody,
  pageQuery,
  plaidExchangeBody,
  plaidLinkTokenBody,
  pluggyConnectTokenBody,
  syncRequestQuery,
  transactionChangesQuery,
  transactionListQuery,
  transactionUpdateBody,
} from '../../shared/api/schemas';
import * as r from '../../shared/api/responses';
import type { QueueId, SecretId } from '../../shared/catalog/resources';
import { SYNC_RUN_RETENTION_DAYS } from '../../shared/banking/model';

/**
 * What a function may touch. The stack turns each grant into the narrowest IAM permission it needs.
 *
 * - `table:read` / `table:write`: the table's data actions (and its indexes).
 * - `table:webhookIntake`: only what receiving a webhook takes: read an event, look up the connection and its
 *   sync runs, and write webhook event rows (keys `WEBHOOK#…`) — nothing else in the table.
 * - `tokens:<encrypt|decrypt>:<provider>`: KMS on the token key, only for ciphertexts whose encryption context
 *   names that provider and a connection (`{user_id, connection_id, provider}`).
 * - `apiKeyCache:pluggy`: KMS Encrypt and Decrypt only under the context of the cached Pluggy API key
 *   (`{provider: pluggy, purpose: api-key-cache}`), plus the table rows of that cache.
 */
export type Grant =
  | 'table:read'
  | 'table:write'
  | 'table:webhookIntake'
  | `tokens:${'encrypt' | 'decrypt'}:plaid`
  | 'apiKeyCache:pluggy'
  | `queue:${QueueId}`
  | `secret:${SecretId}`
  /** Publish app events: write the outbox (needs table:write), put on the event bus, queue webhook deliveries. */
  | 'events:publish';

/** How API Gateway throttles a route: user routes share one budget, webhooks and public routes have their own. */
export type ThrottleGroup = 'user' | 'webhook' | 'public';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * `user`: API Gateway's JWT authorizer admits the call and the handler reads the user id from `sub`.
 * `none`: public (health) or authenticated by the provider's own mechanism inside the handler (webhooks).
 */
export type RouteAuth = 'user' | 'none';

export interface RouteDefinition {
  /** Stable id; becomes the Lambda's logical id and the OpenAPI operationId. */
  readonly id: string;
  readonly method: HttpMethod;
  /** Full path with API Gateway style parameters, e.g. `/api/v1/banking/accounts/{accountId}`. */
  readonly path: string;
  /** Handler module, relative to the project root; it must export `handler`. */
  readonly entry: string;
  readonly auth: RouteAuth;
  readonly summary: string;
  readonly grants: readonly Grant[];
  /** Lambda timeout; provider calls that Plaid documents as slow need more than the default. */
  readonly timeoutSeconds?: number;
  /** JSON body schema; when present the OpenAPI writer documents it (zod 4 `z.toJSONSchema`, input side). */
  readonly body?: z.$ZodType;
  /** Query string schema (an object of string-typed fields); documented as query parameters. */
  readonly query?: z.$ZodType;
  /**
   * What the route answers on success, by status: the body's zod schema (`shared/api/responses.ts`), or
   * null for an empty body. Error statuses follow from the route's shape (`infra/openapi/openapi-document.ts`).
   */
  readonly responses: SuccessResponses;
  /** Error statuses particular to this route, beyond those its shape implies (e.g. 410 for an expired cursor). */
  readonly extraErrorStatuses?: readonly (409 | 410)[];
  /** Provider-authenticated routes (webhooks): the headers the provider signs or authenticates with. */
  readonly providerAuthHeaders?: readonly { readonly name: string; readonly description: string }[];
  /** Throttle budget; defaults to `user` for JWT routes. Routes without a user must name theirs. */
  readonly throttle?: ThrottleGroup;
}

/** The throttle budget a route draws on. */
export function throttleGroupOf(route: Pick<RouteDefinition, 'auth' | 'throttle'>): ThrottleGroup {
  return route.throttle ?? (route.auth === 'user' ? 'user' : 'public');
}

export type SuccessStatus = 200 | 201 | 202 | 204;
export type SuccessResponses = Readonly<Partial<Record<SuccessStatus, z.$ZodType | null>>>;

export interface WorkerDefinition {
  readonly id: string;
  readonly entry: string;
  readonly queue: QueueId;
  readonly summary: string;
  readonly grants: readonly Grant[];
  readonly batchSize: number;
  /** Upper bound on concurrent invocations from the event source (keeps provider rate limits in reach). */
  readonly maxConcurrency: number;
  readonly timeoutSeconds: number;
}

export interface ScheduledDefinition {
  readonly id: string;
  readonly entry: string;
  readonly summary: string;
  readonly grants: readonly Grant[];
  readonly everyMinutes: number;
  readonly timeoutSeconds: number;
}

const API = '/api/v1';
const BANKING = `${API}/banking`;

export const routes: readonly RouteDefinition[] = [
  {
    id: 'health',
    method: 'GET',
    path: `${API}/health`,
    entry: 'functions/http/health.ts',
    auth: 'none',
    summary: 'Liveness check; answers without touching any dependency.',
    responses: { 200: r.health },
    grants: [],
    throttle: 'public',
  },
  {
    id: 'createPlaidLinkToken',
    method: 'POST',
    path: `${BANKING}/link-token`,
    entry: 'functions/http/create-plaid-link-token.ts',
    auth: 'user',
    summary: 'Plaid Link token for a new Item, or for update mode on an existing connection (connection_id).',
    body: plaidLinkTokenBody,
    responses: { 200: r.linkToken },
    grants: ['table:read', 'tokens:decrypt:plaid', 'secret:plaid', 'secret:userHash'],
    timeoutSeconds: 30,
  },
  {
    id: 'exchangePlaidPublicToken',
    method: 'POST',
    path: `${BANKING}/plaid/exchange`,
    entry: 'functions/http/exchange-plaid-public-token.ts',
    auth: 'user',
    summary: 'Exchanges a Link public token: stores the encrypted access token, connection and accounts; queues the first sync.',
    body: plaidExchangeBody,
    responses: { 201: r.plaidExchange },
    grants: ['table:read', 'table:write', 'tokens:encrypt:plaid', 'secret:plaid', 'queue:sync'],
    timeoutSeconds: 60,
  },
  {
    id: 'createPluggyConnectToken',
    method: 'POST',
    path: `${BANKING}/pluggy/connect-token`,
    entry: 'functions/http/create-pluggy-connect-token.ts',
    auth: 'user',
    summary:
      'Pluggy connect token (update mode with connection_id); connector filters come back as Pluggy Connect widget options, with a connect_url.',
    body: pluggyConnectTokenBody,
    // apiKeyCache: the Pluggy API key is cached in the table, KMS-encrypted, across containers.
    responses: { 200: r.pluggyConnectToken },
    grants: ['table:read', 'table:write', 'apiKeyCache:pluggy', 'secret:pluggy', 'secret:userHash'],
    timeoutSeconds: 30,
  },
  {
    id: 'createConnection',
    method: 'POST',
    path: `${BANKING}/connections`,
    entry: 'functions/http/create-connection.ts',
    auth: 'user',
    summary:
      "Creates a Pluggy connection from the item the widget created, after checking at Pluggy that it is the caller's; queues the first sync.",
    body: createConnectionBody,
    responses: { 201: r.createdConnection },
    grants: ['table:read', 'table:write', 'apiKeyCache:pluggy', 'secret:pluggy', 'secret:userHash', 'queue:sync'],
    timeoutSeconds: 30,
  },
  {
    id: 'listConnections',
    method: 'GET',
    path: `${BANKING}/connections`,
    entry: 'functions/http/list-connections.ts',
    auth: 'user',
    summary: "The caller's connections with status, institution, products and sync times.",
    responses: { 200: r.connectionList },
    grants: ['table:read'],
  },
  {
    id: 'getConnection',
    method: 'GET',
    path: `${BANKING}/connections/{connectionId}`,
    entry: 'functions/http/get-connection.ts',
    auth: 'user',
    summary: 'One connection of the caller.',
    responses: { 200: r.connection },
    grants: ['table:read'],
  },
  {
    id: 'deleteConnection',
    method: 'DELETE',
    path: `${BANKING}/connections/{connectionId}`,
    entry: 'functions/http/delete-connection.ts',
    auth: 'user',
    summary: 'Removes the connection at its provider, then purges its accounts, transactions and guard rows.',
    responses: { 204: null },
    grants: ['table:read', 'table:write', 'tokens:decrypt:plaid', 'apiKeyCache:pluggy', 'secret:plaid', 'secret:pluggy'],
    timeoutSeconds: 60,
  },
  {
    id: 'requestConnectionSync',
    method: 'POST',
    path: `${BANKING}/connections/{connectionId}/sync`,
    entry: 'functions/http/request-connection-sync.ts',
    auth: 'user',
    summary:
      'Queues a sync of the connection now; answers 202 with the sync run id to follow, or with ?wait=<seconds> (at most 25) 200 with the finished run when it ends in time.',
    query: syncRequestQuery,
    responses: { 200: r.syncFinished, 202: r.syncQueued },
    grants: ['table:read', 'table:write', 'queue:sync'],
    // ?wait holds the request up to 25 s; API Gateway's integration limit (30 s) stays the outer bound.
    timeoutSeconds: 30,
  },
  {
    id: 'listSyncRuns',
    method: 'GET',
    path: `${BANKING}/connections/{connectionId}/sync-runs`,
    entry: 'functions/http/list-sync-runs.ts',
    auth: 'user',
    summary: `Sync history of a connection, newest first; a scheduled or webhook-requested run appears once it ends; a run is kept for ${SYNC_RUN_RETENTION_DAYS} days after it started.`,
    query: pageQuery,
    responses: { 200: r.syncRunPage },
    grants: ['table:read'],
  },
  {
    id: 'updateConnectionCredentials',
    method: 'POST',
    path: `${BANKING}/connections/{connectionId}/credentials`,
    entry: 'functions/http/update-connection-credentials.ts',
    auth: 'user',
    summary:
      'Re-authentication: Plaid update-mode link token; Pluggy new credentials (parameters, then a sync is queued) or an update-mode connect token.',
    body: connectionCredentialsBody,
    responses: { 200: r.credentialsRenewed, 202: r.credentialsSent },
    grants: [
      'table:read',
      'table:write',
      'tokens:decrypt:plaid',
      'apiKeyCache:pluggy',
      'secret:plaid',
      'secret:pluggy',
      'secret:userHash',
      'queue:sync',
    ],
    timeoutSeconds: 30,
  },
  {
    id: 'submitConnectionMfa',
    method: 'POST',
    path: `${BANKING}/connections/{connectionId}/mfa`,
    entry: 'functions/http/submit-connection-mfa.ts',
    auth: 'user',
    summary: "Answers a Pluggy item's MFA prompt ({parameters: {name: value}}); queues the sync that follows the update.",
    body: connectionMfaBody,
    responses: { 202: r.mfaSubmitted },
    grants: ['table:read', 'table:write', 'apiKeyCache:pluggy', 'secret:pluggy', 'queue:sync'],
    timeoutSeconds: 30,
  },
  {
    id: 'getConnectionConsent',
    method: 'GET',
    path: `${BANKING}/connections/{connectionId}/consent`,
    entry: 'functions/http/get-connection-consent.ts',
    auth: 'user',
    summary: 'Open Finance consent of the connection (read live from Pluggy): products, created/expires/revoked, valid.',
    responses: { 200: r.connectionConsent },
    grants: ['table:read', 'table:write', 'apiKeyCache:pluggy', 'secret:pluggy'],
    timeoutSeconds: 30,
  },
  {
    id: 'listAccounts',
    method: 'GET',
    path: `${BANKING}/accounts`,
    entry: 'functions/http/list-accounts.ts',
    auth: 'user',
    summary: "The caller's accounts with type, mask and balances.",
    query: accountListQuery,
    responses: { 200: r.accountList },
    grants: ['table:read'],
  },
  {
    id: 'getAccount',
    method: 'GET',
    path: `${BANKING}/accounts/{accountId}`,
    entry: 'functions/http/get-account.ts',
    auth: 'user',
    summary: 'One account of the caller.',
    responses: { 200: r.account },
    grants: ['table:read'],
  },
  {
    id: 'refreshAccountBalance',
    method: 'POST',
    path: `${BANKING}/accounts/{accountId}/sync`,
    entry: 'functions/http/refresh-account-balance.ts',
    auth: 'user',
    summary: 'Fetches live balances for the account from its provider.',
    responses: { 200: r.account },
    grants: ['table:read', 'table:write', 'tokens:decrypt:plaid', 'apiKeyCache:pluggy', 'secret:plaid', 'secret:pluggy'],
    // Plaid: /accounts/balance/get "occasionally 30 s or more".
    timeoutSeconds: 60,
  },
  {
    id: 'getAccountNumbers',
    method: 'GET',
    path: `${BANKING}/accounts/{accountId}/numbers`,
    entry: 'functions/http/get-account-numbers.ts',
    auth: 'user',
    summary:
      "Account and routing numbers (Plaid auth), decrypted for the account's owner only; 409 AUTH_NOT_AVAILABLE when the Item has no Auth, ACCOUNT_REVOKED when the user withdrew the account.",
    responses: { 200: r.accountNumbers },
    extraErrorStatuses: [409],
    grants: ['table:read', 'tokens:decrypt:plaid'],
  },
  {
    id: 'listTransactions',
    method: 'GET',
    path: `${BANKING}/transactions`,
    entry: 'functions/http/list-transactions.ts',
    auth: 'user',
    summary: 'Transactions newest first, filtered by account, connection, dates, pending and category; cursor-paged.',
    query: transactionListQuery,
    responses: { 200: r.transactionPage },
    grants: ['table:read'],
  },
  {
    id: 'listTransactionChanges',
    method: 'GET',
    path: `${BANKING}/transactions/changes`,
    entry: 'functions/http/list-transaction-changes.ts',
    auth: 'user',
    summary:
      'What changed in the caller\'s transactions since a cursor: added, modified and removed (tombstones, kept 30 days), oldest change first; each transaction appears once, at its latest change. Without a cursor it starts from the beginning; a cursor older than 30 days, or one from the previous version of the feed, answers 410 CURSOR_EXPIRED (start again without a cursor).',
    query: transactionChangesQuery,
    responses: { 200: r.transactionChanges },
    extraErrorStatuses: [410],
    grants: ['table:read'],
  },
  {
    id: 'getTransaction',
    method: 'GET',
    path: `${BANKING}/transactions/{transactionId}`,
    entry: 'functions/http/get-transaction.ts',
    auth: 'user',
    summary: 'One transaction of the caller.',
    responses: { 200: r.transaction },
    grants: ['table:read'],
  },
  {
    id: 'updateTransaction',
    method: 'PATCH',
    path: `${BANKING}/transactions/{transactionId}`,
    entry: 'functions/http/update-transaction.ts',
    auth: 'user',
    summary: "Overrides a transaction's category and/or note.",
    body: transactionUpdateBody,
    responses: { 200: r.transaction },
    grants: ['table:read', 'table:write', 'queue:providerWrites'],
  },
  {
    id: 'bulkCategorizeTransactions',
    method: 'POST',
    path: `${BANKING}/transactions/bulk-categorize`,
    entry: 'functions/http/bulk-categorize-transactions.ts',
    auth: 'user',
    summary: 'Sets one category on up to 500 transactions; all or nothing.',
    body: bulkCategorizeBody,
    responses: { 200: r.bulkCategorized },
    grants: ['table:read', 'table:write', 'queue:providerWrites'],
    timeoutSeconds: 30,
  },
  {
    id: 'listCategories',
    method: 'GET',
    path: `${BANKING}/categories`,
    entry: 'functions/http/list-categories.ts',
    auth: 'user',
    summary: "Provider category catalogs plus the caller's own categories.",
    responses: { 200: r.categoryList },
    grants: ['table:read'],
  },
  {
    id: 'createCategory',
    method: 'POST',
    path: `${BANKING}/categories`,
    entry: 'functions/http/create-category.ts',
    auth: 'user',
    summary: 'Creates a category of the caller.',
    body: categoryCreateBody,
    responses: { 201: r.category },
    grants: ['table:read', 'table:write'],
  },
  {
    id: 'renameCategory',
    method: 'PATCH',
    path: `${BANKING}/categories/{categoryId}`,
    entry: 'functions/http/rename-category.ts',
    auth: 'user',
    summary: "Renames one of the caller's categories.",
    body: categoryRenameBody,
    responses: { 200: r.category },
    grants: ['table:read', 'table:write'],
  },
  {
    id: 'deleteCategory',
    method: 'DELETE',
    path: `${BANKING}/categories/{categoryId}`,
    entry: 'functions/http/delete-category.ts',
    auth: 'user',
    summary: "Deletes one of the caller's categories; refuses while transactions use it unless told to reassign.",
    query: categoryDeleteQuery,
    responses: { 200: r.categoryDeleted },
    grants: ['table:read', 'table:write', 'queue:providerWrites'],
    timeoutSeconds: 30,
  },
  {
    id: 'plaidWebhook',
    method: 'POST',
    path: `${API}/webhooks/plaid`,
    entry: 'functions/http/plaid-webhook.ts',
    // Plaid authenticates itself: the handler verifies the Plaid-Verification JWT over the raw body.
    auth: 'none',
    throttle: 'webhook',
    summary: 'Plaid webhooks: verified (ES256 JWT, body hash), stored once, queued for the webhook worker (or settled as ignored when the type and code alone say so); answers fast.',
    providerAuthHeaders: [
      {
        name: 'Plaid-Verification',
        description: 'ES256 JWT signed by Plaid whose request_body_sha256 claim covers the raw body (https://plaid.com/docs/api/webhooks/webhook-verification/).',
      },
    ],
    responses: { 200: r.webhookReceipt },
    grants: ['table:webhookIntake', 'queue:webhookEvents', 'secret:plaid'],
  },
  {
    id: 'pluggyWebhook',
    method: 'POST',
    path: `${API}/webhooks/pluggy`,
    entry: 'functions/http/pluggy-webhook.ts',
    // Pluggy authenticates itself: the secret header registered with the webhook (and an optional HMAC).
    auth: 'none',
    throttle: 'webhook',
    summary: 'Pluggy webhooks: secret header (and optional signature) and clientId checked, stored once by eventId, queued (or settled as ignored when the event name alone says so); answers fast.',
    providerAuthHeaders: [
      { name: 'X-Webhook-Secret', description: 'The secret header registered with the webhook (POST /webhooks at Pluggy); the header name is configurable.' },
      { name: 'X-Pluggy-Signature', description: 'Optional HMAC-SHA256 of the raw body, when a signing secret is configured.' },
    ],
    responses: { 200: r.webhookReceipt },
    grants: ['table:webhookIntake', 'queue:webhookEvents', 'secret:pluggyWebhook'],
  },
];

/** Answers every request no route matches with the standard 404 envelope (API Gateway `$default`). */
export const notFoundRoute = {
  id: 'notFound',
  entry: 'functions/http/not-found.ts',
  summary: 'Fallback for unknown routes.',
  grants: [] as readonly Grant[],
} as const;

export const workers: readonly WorkerDefinition[] = [
  {
    id: 'syncConnection',
    entry: 'functions/workers/sync-connection.ts',
    queue: 'sync',
    summary: 'Runs one sync of one connection (FIFO per connection): accounts, balances, transaction changes.',
    grants: ['table:read', 'table:write', 'tokens:decrypt:plaid', 'apiKeyCache:pluggy', 'secret:plaid', 'secret:pluggy', 'events:publish'],
    batchSize: 1,
    // Bounds provider traffic from syncs; the FIFO group already keeps each connection to one run at a time.
    maxConcurrency: 10,
    timeoutSeconds: 900,
  },
  {
    id: 'applyWebhookEvent',
    entry: 'functions/workers/apply-webhook-event.ts',
    queue: 'webhookEvents',
    summary: 'Applies one stored webhook event: connection status changes and webhook-triggered syncs.',
    grants: ['table:read', 'table:write', 'queue:sync', 'events:publish'],
    batchSize: 10,
    maxConcurrency: 5,
    timeoutSeconds: 60,
  },
  {
    id: 'writeProviderChange',
    entry: 'functions/workers/write-provider-change.ts',
    queue: 'providerWrites',
    summary: "Sends users' category choices to Pluggy (PATCH /transactions/{id}); marks them synced, or failed once retries run out.",
    // apiKeyCache: the Pluggy API key cache.
    grants: ['table:read', 'table:write', 'apiKeyCache:pluggy', 'secret:pluggy'],
    batchSize: 5,
    // Pluggy rate-limits per IP and endpoint; a few writers at a time is plenty for category feedback.
    maxConcurrency: 2,
    timeoutSeconds: 60,
  },
  {
    id: 'deliverAppWebhook',
    entry: 'functions/workers/deliver-app-webhook.ts',
    queue: 'appWebhooks',
    summary: "Delivers app events to the app's webhook URL, signed per Standard Webhooks; retried with backoff, then dead-lettered.",
    grants: ['table:read', 'table:write', 'secret:appWebhook'],
    batchSize: 10,
    // One app endpoint on the other side: a handful of concurrent deliveries keeps it from being flooded.
    maxConcurrency: 5,
    timeoutSeconds: 60,
  },
];

export const scheduled: readonly ScheduledDefinition[] = [
  {
    id: 'autoSyncScheduler',
    entry: 'functions/schedule/auto-sync-scheduler.ts',
    summary: 'Enqueues every connection whose next auto-sync time has passed.',
    // table:write: each tick moves the due-index shards' claim marks, leases overdue connections and unindexes stale ones.
    grants: ['table:read', 'table:write', 'queue:sync'],
    everyMinutes: 15,
    timeoutSeconds: 300,
  },
  {
    id: 'consentExpiryWarnings',
    entry: 'functions/schedule/consent-expiry-warnings.ts',
    summary: 'Publishes consent.expiring once per consent that ends within CONSENT_WARNING_DAYS (sharded expiry index).',
    grants: ['table:read', 'table:write', 'events:publish'],
    // Cheap: each tick reads only the sparse expiry index, which holds just the consents not yet warned about.
    everyMinutes: 30,
    timeoutSeconds: 300,
  },
];
