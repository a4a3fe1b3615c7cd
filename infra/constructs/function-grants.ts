/**
 * Turns the grants of a catalog row into IAM permissions and environment variables, each the narrowest one
 * that serves the grant. A function receives the name, ARN or URL of a resource only together with the
 * permission to use it, so its configuration module (`shared/config/env.ts`) failing fast on a missing variable
 * also catches a catalog row that forgot a grant.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnTable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Grant } from '../catalog/routes';
import {
  eventBus as eventBusCatalog,
  queues as queueCatalog,
  secrets as secretCatalog,
  type QueueId,
  type SecretId,
} from '../../shared/catalog/resources';
import type { BankingFunction } from './banking-function';

/** The stateful resources grants refer to. */
export interface GrantTargets {
  readonly table: Table;
  readonly tokenKey: Key;
  readonly queues: Readonly<Record<QueueId, Queue>>;
  readonly secrets: Readonly<Record<SecretId, Secret>>;
  readonly eventBus: EventBus;
}

/** Settings handed to functions that hold a provider credential, next to the credential itself. */
export interface ProviderEndpoints {
  readonly plaidEnvironment: string;
  readonly pluggyBaseUrl: string;
  readonly pluggyEnvironment: string;
  /** Base URL the providers call back (webhook URLs are built from it). */
  readonly publicBaseUrl: string;
  /** The app's webhook endpoint for outbound events, when the deployment has one. */
  readonly appWebhookUrl: string | undefined;
  readonly consentWarningDays: number;
}

export interface DueIndexSettings {
  readonly autoSyncIntervalHours: number;
  readonly dueIndexShards: number;
}

export interface CatalogAccess {
  readonly grants: readonly Grant[];
  /**
   * Whether the function reads or writes the auto-sync due index. Writers compute the next-sync time and
   * shard of a connection and the scheduler reads the shards back, so both must see the same two numbers.
   */
  readonly usesDueIndex: boolean;
}

/**
 * @example
 * grantCatalogAccess(fn, { grants: ['table:read', 'queue:sync'], usesDueIndex: false }, targets, endpoints, dueIndex);
 * // fn may now Query/GetItem the table and SendMessage to the sync queue; TABLE_NAME and SYNC_QUEUE_URL are set.
 */
export function grantCatalogAccess(
  target: BankingFunction,
  access: CatalogAccess,
  targets: GrantTargets,
  endpoints: ProviderEndpoints,
  dueIndex: DueIndexSettings,
): void {
  const { role, function: fn } = target;
  let tableIndexesGranted = false;

  for (const grant of new Set(access.grants)) {
    if (grant === 'table:read') {
      targets.table.grantReadData(role);
      fn.addEnvironment('TABLE_NAME', targets.table.tableName);
      tableIndexesGranted = true;
    } else if (grant === 'table:write') {
      targets.table.grantWriteData(role);
      fn.addEnvironment('TABLE_NAME', targets.table.tableName);
      tableIndexesGranted = true;
    } else if (grant === 'table:webhookIntake') {
      grantWebhookIntake(role, targets.table);
      fn.addEnvironment('TABLE_NAME', targets.table.tableName);
      tableIndexesGranted = true;
    } else if (grant.startsWith('tokens:') || grant === 'apiKeyCache:pluggy') {
      grantTokenKeyUse(role, targets.tokenKey, grant);
      fn.addEnvironment('TOKEN_KEY_ID', targets.tokenKey.keyArn);
    } else if (grant.startsWith('queue:')) {
      const queueId = grant.slice('queue:'.length) as QueueId;
      const definition = queueCatalog[queueId];
      const queue = targets.queues[queueId];
      if (!definition || !queue) throw new Error(`Grant ${grant}: no such queue in shared/catalog/resources.ts`);
      queue.grantSendMessages(role);
      fn.addEnvironment(definition.urlEnvVar, queue.queueUrl);
    } else if (grant.startsWith('secret:')) {
      const secretId = grant.slice('secret:'.length) as SecretId;
      const definition = secretCatalog[secretId];
      const secret = targets.secrets[secretId];
      if (!definition || !secret) throw new Error(`Grant ${grant}: no such secret in shared/catalog/resources.ts`);
      secret.grantRead(role);
      fn.addEnvironment(definition.arnEnvVar, secret.secretArn);
      addProviderEndpoints(target, secretId, endpoints);
    } else if (grant === 'events:publish') {
      // The outbox row is written with table:write; this grant adds the bus and the webhook delivery queue.
      targets.eventBus.grantPutEventsTo(role);
      fn.addEnvironment(eventBusCatalog.nameEnvVar, targets.eventBus.eventBusName);
      if (endpoints.appWebhookUrl) {
        const definition = queueCatalog.appWebhooks;
        targets.queues.appWebhooks.grantSendMessages(role);
        fn.addEnvironment(definition.urlEnvVar, targets.queues.appWebhooks.queueUrl);
        fn.addEnvironment('APP_WEBHOOK_URL', endpoints.appWebhookUrl);
      }
    } else {
      throw new Error(`Unknown grant "${String(grant)}"`);
    }
  }

  if (access.usesDueIndex) {
    fn.addEnvironment('AUTO_SYNC_INTERVAL_HOURS', String(dueIndex.autoSyncIntervalHours));
    fn.addEnvironment('DUE_INDEX_SHARDS', String(dueIndex.dueIndexShards));
  }

  if (tableIndexesGranted) {
    // Whatever reads connections presents their next step (renew a consent this many days ahead) or warns.
    fn.addEnvironment('CONSENT_WARNING_DAYS', String(endpoints.consentWarningDays));
    // cdk-nag names the finding after the table's logical id: `Resource::<BankingTable1A2B3C4D.Arn>/index/*`.
    const tableLogicalId = Stack.of(targets.table).getLogicalId(targets.table.node.defaultChild as CfnTable);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
      reason:
        'Table.grantReadData/grantWriteData add "<table ARN>/index/*" so the function can Query the GSIs its ' +
        'access patterns use (docs/data-model.md); the wildcard covers only the indexes of this one table.',
    });
  }
}

/**
 * Receiving a webhook reads the stored event (GetItem), the connection by provider item id and its sync runs
 * (Query), and writes only webhook event rows (PutItem, UpdateItem), which `dynamodb:LeadingKeys` pins to the
 * `WEBHOOK#` partition keys (shared/adapters/dynamodb/entities/webhook-event.ts). No Scan, no delete, no batch
 * writes, and no write to a connection, account or transaction row.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
 */
function grantWebhookIntake(role: IRole, table: Table): void {
  const tableResources = [table.tableArn, `${table.tableArn}/index/*`];
  role.addToPrincipalPolicy(new PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: tableResources }));
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['WEBHOOK#*'] } },
    }),
  );
}

/** Encryption-context keys of a connection's ciphertext (shared/adapters/kms/kms-token-vault.ts). */
const connectionContextKeys = ['user_id', 'connection_id', 'provider'];
/** Encryption-context keys and values of the cached Pluggy API key (shared/adapters/pluggy/pluggy-api-key.ts). */
const pluggyApiKeyContext = { provider: 'pluggy', purpose: 'api-key-cache' };

/**
 * KMS on the token key, limited by encryption context to one provider and purpose: a Pluggy-only function
 * cannot decrypt a Plaid access token, and the API-key cache grant decrypts nothing but the cached key.
 * KMS evaluates `kms:EncryptionContext:<key>` against the context of the request, which must equal the one
 * the ciphertext was made with (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html).
 * `ForAllValues` on the context keys refuses a context with extra pairs, so one grant cannot pose as another.
 * The statement goes into the role's policy and, with the role as principal, into the key policy, which
 * names every user of the key (see BankingStack: the account itself only administers the key).
 * Key.grantEncrypt would also allow ReEncrypt* and GenerateDataKey*, which the token vault never calls.
 */
function grantTokenKeyUse(role: IRole, key: Key, grant: Grant): void {
  const [actions, conditions] =
    grant === 'apiKeyCache:pluggy'
      ? [
          ['kms:Encrypt', 'kms:Decrypt'],
          {
            StringEquals: prefixKeys(pluggyApiKeyContext),
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': Object.keys(pluggyApiKeyContext) },
          },
        ]
      : [
          [grant.startsWith('tokens:encrypt:') ? 'kms:Encrypt' : 'kms:Decrypt'],
          {
            StringEquals: prefixKeys({ provider: grant.slice(grant.lastIndexOf(':') + 1) }),
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': connectionContextKeys },
          },
        ];
  role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [key.keyArn], conditions }));
  key.addToResourcePolicy(new PolicyStatement({ actions, resources: ['*'], principals: [role], conditions }));
}

function prefixKeys(context: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(context).map(([name, value]) => [`kms:EncryptionContext:${name}`, value]));
}

function addProviderEndpoints(target: BankingFunction, secretId: SecretId, endpoints: ProviderEndpoints): void {
  const fn = target.function;
  if (secretId === 'plaid') {
    fn.addEnvironment('PLAID_ENV', endpoints.plaidEnvironment);
    fn.addEnvironment('PUBLIC_API_BASE_URL', endpoints.publicBaseUrl);
  } else if (secretId === 'pluggy') {
    fn.addEnvironment('PLUGGY_BASE_URL', endpoints.pluggyBaseUrl);
    fn.addEnvironment('PLUGGY_ENV', endpoints.pluggyEnvironment);
    fn.addEnvironment('PUBLIC_API_BASE_URL', endpoints.publicBaseUrl);
  } else if (secretId === 'appWebhook' && endpoints.appWebhookUrl) {
    fn.addEnvironment('APP_WEBHOOK_URL', endpoints.appWebhookUrl);
  }
}
