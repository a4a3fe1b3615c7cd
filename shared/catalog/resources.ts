/**
 * The stateful resources of the service, described once as plain data.
 *
 * Two consumers read this module: the CDK stack (`infra/banking-stack.ts`) turns it into CloudFormation, and
 * the offline provisioner (`local/aws/provision.ts`) creates the same table, key, queues and secrets on the
 * local AWS emulator. Neither consumer invents a name, key schema or queue setting of its own.
 *
 * This file must stay free of aws-cdk-lib and AWS SDK imports so that both sides can load it cheaply.
 */

/**
 * Which attributes an index entry carries besides the table's and the index's keys. DynamoDB stores and
 * writes an entry of that size per item in the index, so a narrow projection makes every index write and
 * every stored copy smaller: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Projections
 * A query on the index can only return projected attributes, so a projection must name everything its
 * readers map. Changing it replaces the index (CloudFormation deletes and rebuilds it; docs/deploy.md).
 */
export type IndexProjection =
  | { readonly type: 'ALL' }
  | { readonly type: 'KEYS_ONLY' }
  | { readonly type: 'INCLUDE'; readonly attributes: readonly string[] };

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Default `ALL`. */
  readonly projection?: IndexProjection;
}

/** The projection an index has, with the default filled in. */
export function projectionOf(index: IndexDefinition): IndexProjection {
  return index.projection ?? { type: 'ALL' };
}

export interface TableDefinition {
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Epoch-seconds attribute DynamoDB uses to expire items (webhook events, cached provider keys). */
  readonly timeToLiveAttribute: string;
  readonly globalIndexes: readonly IndexDefinition[];
}

/**
 * One table for every entity (single-table design). Attribute names are generic (`PK`, `SK`, `GSI1PK`, ...)
 * because each entity module in `shared/adapters/dynamodb/entities/` overloads them with its own key shapes;
 * `docs/data-model.md` lists which access pattern each index serves.
 */
export const bankingTable: TableDefinition = {
  partitionKey: 'PK',
  sortKey: 'SK',
  timeToLiveAttribute: 'expires_at',
  globalIndexes: [
    { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    // The sharded due index: only connections, read by the auto-sync scheduler, which needs who and when
    // (ids, due time), whether the connection waits for its user (status) and its institution (health check);
    // `dueConnectionFromItem` in shared/adapters/dynamodb/entities/connection.ts reads exactly these.
    // Named GSI2v2: it was GSI2 with projection ALL. CloudFormation cannot change an existing index's projection
    // ("Cannot update GSI's properties other than Provisioned Throughput and Contributor Insights
    // Specification. You can create a new GSI with a different name."), so the narrower index is a new one
    // over the same key attributes, which DynamoDB fills from the table when it is created; `retiredIndexes`
    // lists the old one for the two-step upgrade of an existing stack (docs/deploy.md).
    {
      name: 'GSI2v2',
      partitionKey: 'GSI2PK',
      sortKey: 'GSI2SK',
      projection: { type: 'INCLUDE', attributes: ['entity', 'user_id', 'connection_id', 'status', 'next_sync_at', 'provider', 'institution'] },
    },
    { name: 'GSI3', partitionKey: 'GSI3PK', sortKey: 'GSI3SK' },
    { name: 'GSI4', partitionKey: 'GSI4PK', sortKey: 'GSI4SK' },
  ],
};

/**
 * Indexes earlier versions of the table had and the code no longer reads. CloudFormation creates or deletes at
 * most one GSI per stack update, so a stack that has one of these upgrades in two deployments: first with the
 * context `keepRetiredIndexes=true` (the new index is added beside the old one), then without it (the old one
 * goes). A new stack never creates them.
 */
export const retiredIndexes: readonly IndexDefinition[] = [{ name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' }];

export type QueueId = 'sync' | 'webhookEvents' | 'providerWrites' | 'appWebhooks';

export interface QueueDefinition {
  readonly id: QueueId;
  /** Base name; FIFO queues get the mandatory `.fifo` suffix from {@link queueName}. */
  readonly baseName: string;
  readonly fifo: boolean;
  /** Must exceed the consuming worker's timeout, or a message reappears while it is still being handled. */
  readonly visibilityTimeoutSeconds: number;
  /** Deliveries before a message is moved to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly retentionDays: number;
  /** Environment variable through which functions receive the queue URL. */
  readonly urlEnvVar: string;
}

export const queues: Readonly<Record<QueueId, QueueDefinition>> = {
  /**
   * Sync jobs. FIFO with the connection id as message group, so at most one sync per connection runs at a
   * time and jobs for one connection keep their order; content-based dedup is off because each job carries
   * its own deduplication id (sync run id, or the scheduler's cycle id).
   */
  sync: {
    id: 'sync',
    baseName: 'banking-sync',
    fifo: true,
    visibilityTimeoutSeconds: 960,
    maxReceiveCount: 5,
    retentionDays: 4,
    urlEnvVar: 'SYNC_QUEUE_URL',
  },
  /** Verified provider webhooks waiting to be applied; the event id in the table makes handling idempotent. */
  webhookEvents: {
    id: 'webhookEvents',
    baseName: 'banking-webhook-events',
    fifo: false,
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
    retentionDays: 4,
    urlEnvVar: 'WEBHOOK_EVENT_QUEUE_URL',
  },
  /**
   * Writes back to a provider (Pluggy category feedback). The worker hides a failed write for a growing delay
   * (`providerWriteRedeliveryBackoff` in shared/retry/policies.ts: 30 s doubling up to 15 minutes), so the
   * eight deliveries span about 45 minutes; the visibility timeout is that policy's cap because the delay
   * never exceeds it. It is also how long a write waits when its worker crashed before it could set a delay.
   */
  providerWrites: {
    id: 'providerWrites',
    baseName: 'banking-provider-writes',
    fifo: false,
    visibilityTimeoutSeconds: 900,
    maxReceiveCount: 8,
    retentionDays: 4,
    urlEnvVar: 'PROVIDER_WRITE_QUEUE_URL',
  },
  /**
   * App events waiting for webhook delivery to the app (`APP_WEBHOOK_URL`). Eight deliveries with the worker's
   * exponential backoff (`appWebhookRedeliveryBackoff`) span about an hour before a message is dead-lettered;
   * the visibility timeout is the backoff's upper bound per retry.
   */
  appWebhooks: {
    id: 'appWebhooks',
    baseName: 'banking-app-webhooks',
    fifo: false,
    visibilityTimeoutSeconds: 1800,
    maxReceiveCount: 8,
    retentionDays: 4,
    urlEnvVar: 'APP_WEBHOOK_QUEUE_URL',
  },
};

/** Dead letters are kept for the longest retention SQS allows, so a fix can be shipped before redriving. */
export const deadLetterRetentionDays = 14;

export function queueName(definition: QueueDefinition, prefix: string): string {
  return `${prefix}-${definition.baseName}${definition.fifo ? '.fifo' : ''}`;
}

export function deadLetterQueueName(definition: QueueDefinition, prefix: string): string {
  return `${prefix}-${definition.baseName}-dlq${definition.fifo ? '.fifo' : ''}`;
}

/** The customer-managed key that encrypts provider access tokens and account numbers. */
export const tokenKey = {
  aliasSuffix: 'banking-tokens',
  description: 'Encrypts provider access tokens and account numbers (encryption context binds each to its owner)',
} as const;

export function tokenKeyAlias(prefix: string): string {
  return `alias/${prefix}-${tokenKey.aliasSuffix}`;
}

export type SecretId = 'plaid' | 'pluggy' | 'pluggyWebhook' | 'userHash' | 'appWebhook';

export interface SecretDefinition {
  readonly id: SecretId;
  readonly nameSuffix: string;
  readonly description: string;
  /** Environment variable through which functions receive the secret's ARN or name. */
  readonly arnEnvVar: string;
  /** JSON keys the secret value must hold (checked when a function reads it). */
  readonly fields: readonly string[];
}

export const secrets: Readonly<Record<SecretId, SecretDefinition>> = {
  plaid: {
    id: 'plaid',
    nameSuffix: 'plaid',
    description: 'Plaid API credentials: {"client_id","secret"}',
    arnEnvVar: 'PLAID_SECRET_ARN',
    fields: ['client_id', 'secret'],
  },
  pluggy: {
    id: 'pluggy',
    nameSuffix: 'pluggy',
    description: 'Pluggy API credentials: {"client_id","client_secret"}',
    arnEnvVar: 'PLUGGY_SECRET_ARN',
    fields: ['client_id', 'client_secret'],
  },
  /**
   * What the public Pluggy webhook route needs and nothing more: the secret registered as a header with our
   * webhook, the optional HMAC signing key, and the client id the deliveries must name. Kept apart from the
   * API credentials so the one function anyone on the internet can invoke never holds `client_secret`.
   */
  pluggyWebhook: {
    id: 'pluggyWebhook',
    nameSuffix: 'pluggy-webhook',
    description: 'Pluggy webhook authentication: {"client_id","webhook_secret"} and optionally "webhook_signing_secret"',
    arnEnvVar: 'PLUGGY_WEBHOOK_SECRET_ARN',
    fields: ['client_id', 'webhook_secret'],
  },
  userHash: {
    id: 'userHash',
    nameSuffix: 'user-hash-key',
    description: 'Key for the keyed hash that turns user ids into opaque provider-side user ids: {"key"}',
    arnEnvVar: 'USER_HASH_SECRET_ARN',
    fields: ['key'],
  },
  appWebhook: {
    id: 'appWebhook',
    nameSuffix: 'app-webhook',
    description: 'Signing secret of the webhooks sent to the app (Standard Webhooks, "whsec_" + base64): {"signing_secret"}',
    arnEnvVar: 'APP_WEBHOOK_SECRET_ARN',
    fields: ['signing_secret'],
  },
};

export function secretName(definition: SecretDefinition, prefix: string): string {
  return `${prefix}/${definition.nameSuffix}`;
}

/**
 * The EventBridge bus outbound app events go to (`shared/events/`). Subscribers match on `source` and on
 * `detail-type` (the event type, e.g. `sync.completed`).
 */
export const eventBus = {
  nameSuffix: 'events',
  source: 'open-banking.banking',
  nameEnvVar: 'EVENT_BUS_NAME',
} as const;

export function eventBusName(prefix: string): string {
  return `${prefix}-${eventBus.nameSuffix}`;
}

/** Default resource-name prefix; CDK context `prefix` or env `RESOURCE_PREFIX` overrides it. */
export const defaultResourcePrefix = 'open-banking';

/** Local (offline) table name. In AWS the table name is generated by CloudFormation and passed to functions. */
export function tableName(prefix: string): string {
  return `${prefix}-banking`;
}
