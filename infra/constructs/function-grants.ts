/**
 * Turns the grants of a catalog row into IAM permissions and environment variables, each the narrowest one
 * that serves the grant. A function receives the name, ARN or URL of a resource only together with the
 * permission to use it, so its configuration module (`shared/config/env.ts`) failing fast on a missing variable
 * also catches a catalog row that forgot a grant.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnTable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
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
    } else if (grant === 'tokens:encrypt' || grant === 'tokens:decrypt') {
      // Key.grantEncrypt would also allow ReEncrypt* and GenerateDataKey*, which the token vault never calls;
      // a function that stores tokens gets Encrypt alone and one that uses them gets Decrypt alone.
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: [grant === 'tokens:encrypt' ? 'kms:Encrypt' : 'kms:Decrypt'],
          resources: [targets.tokenKey.keyArn],
        }),
      );
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
