/** DynamoDB stores, one per container, all on the table named by `TABLE_NAME`. */
import { DynamoAccountStore } from '../adapters/dynamodb/account-store';
import { DynamoCategoryStore } from '../adapters/dynamodb/category-store';
import { DynamoConnectionStore } from '../adapters/dynamodb/connection-store';
import { DynamoSyncRunStore } from '../adapters/dynamodb/sync-run-store';
import { DynamoTransactionStore } from '../adapters/dynamodb/transaction-store';
import { DynamoWebhookEventStore } from '../adapters/dynamodb/webhook-event-store';
import { autoSyncConfig, tableConfig } from './config';
import { once } from './once';

const tableName = () => tableConfig().TABLE_NAME;

export const connectionStore = /* @__PURE__ */ once(
  () => new DynamoConnectionStore({ tableName: tableName(), dueIndexShards: autoSyncConfig().DUE_INDEX_SHARDS }),
);
export const accountStore = /* @__PURE__ */ once(() => new DynamoAccountStore({ tableName: tableName() }));
export const transactionStore = /* @__PURE__ */ once(() => new DynamoTransactionStore({ tableName: tableName() }));
export const syncRunStore = /* @__PURE__ */ once(() => new DynamoSyncRunStore({ tableName: tableName() }));
export const categoryStore = /* @__PURE__ */ once(() => new DynamoCategoryStore({ tableName: tableName() }));
export const webhookEventStore = /* @__PURE__ */ once(() => new DynamoWebhookEventStore({ tableName: tableName() }));
