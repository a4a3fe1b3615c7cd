/**
 * DynamoDB stores, one per container, all on the table named by `TABLE_NAME`. A function that only reads
 * connections or transactions takes the reader, whose bundle leaves out the store's writes.
 */
import { DynamoAccountStore } from '../adapters/dynamodb/account-store';
import { DynamoCategoryStore } from '../adapters/dynamodb/category-store';
import { DynamoConnectionReader } from '../adapters/dynamodb/connection-reader';
import { DynamoConnectionStore } from '../adapters/dynamodb/connection-store';
import { DynamoSyncRunStore } from '../adapters/dynamodb/sync-run-store';
import { DynamoTransactionChangeFeed } from '../adapters/dynamodb/transaction-change-feed';
import { DynamoTransactionReader } from '../adapters/dynamodb/transaction-reader';
import { DynamoTransactionStore } from '../adapters/dynamodb/transaction-store';
import { DynamoWebhookEventStore } from '../adapters/dynamodb/webhook-event-store';
import { autoSyncConfig, tableConfig } from './config';
import { once } from './once';

const tableName = () => tableConfig().TABLE_NAME;

export const connectionStore = /* @__PURE__ */ once(
  () => new DynamoConnectionStore({ tableName: tableName(), dueIndexShards: autoSyncConfig().DUE_INDEX_SHARDS }),
);
export const connectionReader = /* @__PURE__ */ once(() => new DynamoConnectionReader({ tableName: tableName() }));
export const accountStore = /* @__PURE__ */ once(() => new DynamoAccountStore({ tableName: tableName() }));
export const transactionStore = /* @__PURE__ */ once(() => new DynamoTransactionStore({ tableName: tableName() }));
export const transactionReader = /* @__PURE__ */ once(() => new DynamoTransactionReader({ tableName: tableName() }));
export const transactionChangeFeed = /* @__PURE__ */ once(() => new DynamoTransactionChangeFeed({ tableName: tableName() }));
export const syncRunStore = /* @__PURE__ */ once(() => new DynamoSyncRunStore({ tableName: tableName() }));
export const categoryStore = /* @__PURE__ */ once(() => new DynamoCategoryStore({ tableName: tableName() }));
export const webhookEventStore = /* @__PURE__ */ once(() => new DynamoWebhookEventStore({ tableName: tableName() }));
