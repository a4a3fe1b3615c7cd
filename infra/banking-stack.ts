/**
 * The whole service as one CloudFormation stack, built from the catalog in `infra/catalog/`:
 *
 * - `resources.ts` → the DynamoDB table, the token KMS key, the work queues (each with DLQ and alarm) and the
 *   provider secrets;
 * - `routes.ts` → one Lambda per HTTP route, queue worker and scheduled job (plus the not-found fallback), each
 *   with the IAM permissions and environment its grants list, the HTTP API routes, SQS event sources and
 *   EventBridge schedules;
 * - `constructs/operations-*.ts` → alarms on the sync failure rate, the webhook rejection rate and the auto-sync
 *   scheduler (next to each DLQ's own alarm), and the operations dashboard.
 *
 * Nothing here names a route, queue or table setting of its own. The stack is environment-agnostic (no
 * account/region, no lookups) so `cdk synth` runs offline without credentials; per-deployment values come from
 * CDK context (see `constructs/deployment-settings.ts`).
 */
import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, Tags, Validations, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  bankingTable,
  retiredIndexes,
  eventBus as eventBusCatalog,
  eventBusName,
  projectionOf,
  queues as queueCatalog,
  secretName,
  secrets as secretCatalog,
  tokenKey,
  tokenKeyAlias,
  type IndexProjection,
  type QueueId,
  type SecretId,
} from '../shared/catalog/resources';
import {
  notFoundRoute,
  routes,
  scheduled,
  workers,
  type Grant,
  type RouteDefinition,
  type ScheduledDefinition,
  type WorkerDefinition,
} from './catalog/routes';
import { BankingFunction } from './constructs/banking-function';
import { BankingHttpApi } from './constructs/banking-http-api';
import { readDeploymentSettings, type DeploymentSettings } from './constructs/deployment-settings';
import { grantCatalogAccess, type GrantTargets } from './constructs/function-grants';
import { OperationsAlarms } from './constructs/operations-alarms';
import { OperationsDashboard } from './constructs/operations-dashboard';
import { ServiceMetrics } from './constructs/service-metrics';
import { UserAuthentication } from './constructs/user-authentication';
import { WorkQueue } from './constructs/work-queue';

/** What every catalog row has, whatever invokes its function. */
interface FunctionRow {
  readonly id: string;
  readonly entry: string;
  readonly summary: string;
  readonly grants: readonly Grant[];
}

/** The function rows the stack builds; the real catalog unless a test passes a catalog-shaped fixture. */
export interface FunctionCatalog {
  readonly routes: readonly RouteDefinition[];
  readonly notFoundRoute: FunctionRow;
  readonly workers: readonly WorkerDefinition[];
  readonly scheduled: readonly ScheduledDefinition[];
}

export const defaultCatalog: FunctionCatalog = { routes, notFoundRoute, workers, scheduled };

/** The scheduled job whose failures the auto-sync alarm watches. */
export const autoSyncSchedulerId = 'autoSyncScheduler';

export interface Operations {
  readonly alarms: OperationsAlarms;
  readonly dashboard: OperationsDashboard;
}

export interface BankingStackProps extends StackProps {
  readonly catalog?: FunctionCatalog;
}

/** HTTP routes answer a person waiting on a screen; ten seconds is generous for a table read or two. */
const defaultRouteTimeout = Duration.seconds(10);

export class BankingStack extends Stack {
  readonly settings: DeploymentSettings;
  /** Every function by catalog id (routes, workers, scheduled jobs and the not-found fallback). */
  readonly functions: ReadonlyMap<string, BankingFunction>;
  readonly table: Table;
  readonly tokenKey: Key;
  readonly queues: Readonly<Record<QueueId, WorkQueue>>;
  readonly secrets: Readonly<Record<SecretId, Secret>>;
  /** Where outbound app events go (`shared/events/`); the app's other services subscribe with rules. */
  readonly eventBus: EventBus;
  readonly httpApi: BankingHttpApi;
  readonly authentication: UserAuthentication;
  /** Alarms on sync failure rate, webhook rejection rate and the scheduler, and the operations dashboard. */
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: BankingStackProps = {}) {
    super(scope, id, {
      description: 'Open-banking backend (Plaid and Pluggy): HTTP API, functions, table, token key, queues, secrets',
      ...props,
    });
    const catalog = props.catalog ?? defaultCatalog;
    validateCatalog(catalog);
    const settings = readDeploymentSettings(this.node);
    this.settings = settings;
    Tags.of(this).add('service', settings.prefix);

    this.table = this.createTable();
    this.tokenKey = new Key(this, 'TokenKey', {
      alias: tokenKeyAlias(settings.prefix),
      description: tokenKey.description,
      enableKeyRotation: true,
      // Losing the key makes every stored access token undecryptable; it must outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
      // Not CDK's default policy (the account root may do kms:*, so any IAM policy in the account could grant
      // Decrypt): the account administers the key, and each function role that uses it is named in the key
      // policy with the encryption-context conditions of its grant (constructs/function-grants.ts).
      policy: new PolicyDocument({ statements: [tokenKeyAdministration()] }),
    });

    const alarmTopic = settings.alarmTopicArn
      ? Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn)
      : undefined;
    this.queues = mapRecord(queueCatalog, (definition) =>
      new WorkQueue(this, `${pascal(definition.id)}Queue`, { definition, prefix: settings.prefix, alarmTopic }),
    );
    this.secrets = mapRecord(secretCatalog, (definition) => this.createSecret(definition.id));
    this.eventBus = new EventBus(this, 'EventBus', {
      eventBusName: eventBusName(settings.prefix),
      description: `Outbound app events (source ${eventBusCatalog.source}): sync, connection, transaction, consent, institution`,
    });

    this.authentication = new UserAuthentication(this, 'Authentication', {
      prefix: settings.prefix,
      externalIssuer: settings.externalIssuer,
    });
    this.httpApi = new BankingHttpApi(this, 'HttpApi', {
      prefix: settings.prefix,
      methods: catalog.routes.map((route) => route.method),
      corsOrigins: settings.corsOrigins,
      throttles: {
        user: { rateLimit: settings.apiRateLimit, burstLimit: settings.apiBurstLimit },
        webhook: { rateLimit: settings.webhookRateLimit, burstLimit: settings.webhookBurstLimit },
        public: { rateLimit: settings.publicRateLimit, burstLimit: settings.publicBurstLimit },
      },
      logRetention: settings.logRetention,
    });

    const functions = new Map<string, BankingFunction>();
    const build = (row: FunctionRow, timeout: Duration, usesDueIndex: boolean): BankingFunction => {
      const fn = this.createFunction(row, timeout, usesDueIndex);
      functions.set(row.id, fn);
      return fn;
    };

    for (const route of catalog.routes) {
      const timeout = route.timeoutSeconds === undefined ? defaultRouteTimeout : Duration.seconds(route.timeoutSeconds);
      const fn = build(route, timeout, route.grants.includes('table:write'));
      this.httpApi.addRoute(route, fn.function, this.authentication.authorizer);
    }

    const fallback = build(catalog.notFoundRoute, defaultRouteTimeout, false);
    this.httpApi.setFallback(fallback.function, catalog.notFoundRoute.id);

    for (const worker of catalog.workers) {
      const fn = build(worker, Duration.seconds(worker.timeoutSeconds), worker.grants.includes('table:write'));
      fn.function.addEventSource(
        new SqsEventSource(this.queues[worker.queue].queue, {
          batchSize: worker.batchSize,
          maxConcurrency: worker.maxConcurrency,
          // The worker answers with the ids of the messages it could not handle; only those come back after
          // the visibility timeout, instead of the whole batch.
          // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
          reportBatchItemFailures: true,
        }),
      );
    }

    for (const job of catalog.scheduled) {
      const fn = build(job, Duration.seconds(job.timeoutSeconds), true);
      new Rule(this, `${job.id}Schedule`, {
        ruleName: `${settings.prefix}-${job.id}`,
        description: job.summary.slice(0, 512),
        schedule: Schedule.rate(Duration.minutes(job.everyMinutes)),
        targets: [
          new LambdaFunction(fn.function, {
            // A tick that could not be delivered is worthless once the next one is due.
            maxEventAge: Duration.minutes(Math.max(job.everyMinutes, 1)),
            retryAttempts: 2,
          }),
        ],
      });
    }
    this.functions = functions;

    this.operations = this.createOperations(catalog, alarmTopic);
    this.addOutputs();
  }

  /**
   * Alarms beyond the per-queue DLQ alarms, and the operations dashboard. The functions publish their metrics
   * under the deployment prefix as namespace and service name (see `createFunction`), which is where these
   * read them.
   */
  private createOperations(catalog: FunctionCatalog, alarmTopic: ITopic | undefined): Operations {
    const metrics = new ServiceMetrics(this.settings.prefix, this.settings.prefix);
    const functionOf = (id: string | undefined) => (id === undefined ? undefined : this.functions.get(id)?.function);
    const syncWorker = functionOf(catalog.workers.find((worker) => worker.queue === 'sync')?.id);
    const scheduler = functionOf(catalog.scheduled.find((job) => job.id === autoSyncSchedulerId)?.id);
    const alarms = new OperationsAlarms(this, 'OperationsAlarms', {
      prefix: this.settings.prefix,
      metrics,
      scheduler,
      action: alarmTopic ? new SnsAction(alarmTopic) : undefined,
    });
    const dashboard = new OperationsDashboard(this, 'OperationsDashboard', {
      prefix: this.settings.prefix,
      metrics,
      alarms,
      deadLetterAlarms: Object.values(this.queues).map((workQueue) => workQueue.deadLetterAlarm),
      queues: this.queues,
      syncWorker,
      scheduler,
    });
    return { alarms, dashboard };
  }

  private createTable(): Table {
    const table = new Table(this, 'BankingTable', {
      partitionKey: { name: bankingTable.partitionKey, type: AttributeType.STRING },
      sortKey: { name: bankingTable.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: bankingTable.timeToLiveAttribute,
      // The sensitive attributes (access tokens, account numbers) are already ciphertext from the token key;
      // the AWS managed key encrypts the rest at rest without functions needing kms permissions to read.
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const retired = this.settings.keepRetiredIndexes ? retiredIndexes : [];
    for (const index of [...bankingTable.globalIndexes, ...retired]) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        ...cdkProjection(projectionOf(index)),
      });
    }
    return table;
  }

  private createSecret(id: SecretId): Secret {
    const definition = secretCatalog[id];
    // The stack creates each secret with every field present but empty; the deployer fills the values in
    // (README, "Deploy"), and functions reject an empty field when they read the secret. The placeholder holds
    // no secret, which is why a plaintext value is acceptable here. CloudFormation writes it only on creation
    // or when the field list changes, so filled-in values survive ordinary deployments.
    const placeholder = JSON.stringify(Object.fromEntries(definition.fields.map((field) => [field, ''])));
    const secret = new Secret(this, `${pascal(id)}Secret`, {
      secretName: secretName(definition, this.settings.prefix),
      description: definition.description,
      secretStringValue: SecretValue.unsafePlainText(placeholder),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: secretRotationNote(id),
    });
    return secret;
  }

  private createFunction(row: FunctionRow, timeout: Duration, usesDueIndex: boolean): BankingFunction {
    const fn = new BankingFunction(this, row.id, {
      entry: row.entry,
      description: row.summary,
      timeout,
      logRetention: this.settings.logRetention,
      environment: {
        POWERTOOLS_SERVICE_NAME: this.settings.prefix,
        POWERTOOLS_METRICS_NAMESPACE: this.settings.prefix,
        // Checked by the request schemas of the routes that take a redirect URI (shared/api/redirect-uri.ts).
        ...(this.settings.redirectUriAllowList.length > 0
          ? { REDIRECT_URI_ALLOWLIST: this.settings.redirectUriAllowList.join(',') }
          : {}),
      },
    });
    const targets: GrantTargets = {
      table: this.table,
      tokenKey: this.tokenKey,
      queues: mapRecord(this.queues, (workQueue): Queue => workQueue.queue),
      secrets: this.secrets,
      eventBus: this.eventBus,
    };
    grantCatalogAccess(
      fn,
      { grants: row.grants, usesDueIndex },
      targets,
      {
        plaidEnvironment: this.settings.plaidEnvironment,
        pluggyBaseUrl: this.settings.pluggyBaseUrl,
        pluggyEnvironment: this.settings.pluggyEnvironment,
        publicBaseUrl: this.settings.publicBaseUrl ?? this.httpApi.endpoint,
        appWebhookUrl: this.settings.appWebhookUrl,
        consentWarningDays: this.settings.consentWarningDays,
      },
      this.settings,
    );
    return fn;
  }

  private addOutputs(): void {
    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the HTTP API; routes live under /api/v1',
      value: this.httpApi.endpoint,
    });
    new CfnOutput(this, 'JwtIssuer', { description: 'Issuer the JWT authorizer accepts', value: this.authentication.issuer });
    if (this.authentication.userPool && this.authentication.userPoolClient) {
      new CfnOutput(this, 'UserPoolId', { value: this.authentication.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', {
        description: 'App client id: the audience the JWT authorizer accepts',
        value: this.authentication.userPoolClient.userPoolClientId,
      });
    }
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'TokenKeyArn', { value: this.tokenKey.keyArn });
    new CfnOutput(this, 'EventBusName', { description: `App events, source ${eventBusCatalog.source}`, value: this.eventBus.eventBusName });
    for (const [queueId, workQueue] of Object.entries(this.queues)) {
      new CfnOutput(this, `${pascal(queueId)}QueueUrl`, { value: workQueue.queue.queueUrl });
      new CfnOutput(this, `${pascal(queueId)}DeadLetterQueueUrl`, { value: workQueue.deadLetterQueue.queueUrl });
    }
    for (const definition of Object.values(secretCatalog)) {
      new CfnOutput(this, `${pascal(definition.id)}SecretName`, {
        description: `Fill in: ${definition.description}`,
        value: secretName(definition, this.settings.prefix),
      });
    }
  }
}

/**
 * Mistakes in the catalog that CloudFormation would only report halfway through a deployment (or never):
 * duplicate ids or routes, a worker that outlives its queue's visibility timeout.
 */
export function validateCatalog(catalog: FunctionCatalog): void {
  const problems: string[] = [];
  const ids = [
    ...catalog.routes.map((row) => row.id),
    catalog.notFoundRoute.id,
    ...catalog.workers.map((row) => row.id),
    ...catalog.scheduled.map((row) => row.id),
  ];
  for (const id of new Set(ids.filter((id, index) => ids.indexOf(id) !== index))) problems.push(`duplicate id "${id}"`);
  for (const id of ids) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(id)) problems.push(`id "${id}" must be alphanumeric (it becomes a logical id)`);
  }

  const routeKeys = catalog.routes.map((route) => `${route.method} ${route.path}`);
  for (const key of new Set(routeKeys.filter((key, index) => routeKeys.indexOf(key) !== index))) {
    problems.push(`route "${key}" is listed twice`);
  }

  for (const worker of catalog.workers) {
    const queue = queueCatalog[worker.queue];
    if (!queue) {
      problems.push(`worker "${worker.id}" consumes unknown queue "${worker.queue}"`);
      continue;
    }
    // Lambda refuses an SQS event source whose queue visibility timeout is shorter than the function timeout;
    // AWS recommends six times the timeout so retries by the poller do not redeliver early.
    if (worker.timeoutSeconds > queue.visibilityTimeoutSeconds) {
      problems.push(
        `worker "${worker.id}" times out after ${worker.timeoutSeconds}s but queue "${queue.id}" hides messages ` +
          `for only ${queue.visibilityTimeoutSeconds}s`,
      );
    }
    if (queue.fifo && worker.batchSize > 10) {
      problems.push(`worker "${worker.id}": FIFO queues deliver at most 10 messages per batch`);
    }
  }

  for (const job of catalog.scheduled) {
    if (!Number.isInteger(job.everyMinutes) || job.everyMinutes < 1) {
      problems.push(`scheduled "${job.id}": everyMinutes must be a positive integer`);
    }
  }

  if (problems.length > 0) throw new Error(`Invalid function catalog: ${problems.join('; ')}`);
}

/**
 * What AWS's default key policy gives key administrators, granted to the account (so IAM policies decide who
 * administers), without the cryptographic operations.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators
 */
function tokenKeyAdministration(): PolicyStatement {
  return new PolicyStatement({
    sid: 'AccountAdministersTheKey',
    principals: [new AccountRootPrincipal()],
    actions: [
      'kms:Create*',
      'kms:Describe*',
      'kms:Enable*',
      'kms:List*',
      'kms:Put*',
      'kms:Update*',
      'kms:Revoke*',
      'kms:Disable*',
      'kms:Get*',
      'kms:Delete*',
      'kms:TagResource',
      'kms:UntagResource',
      'kms:ScheduleKeyDeletion',
      'kms:CancelKeyDeletion',
      'kms:RotateKeyOnDemand',
    ],
    resources: ['*'],
  });
}

function secretRotationNote(id: SecretId): string {
  switch (id) {
    case 'userHash':
      return (
        'This key derives the stable, opaque user ids sent to providers; rotating it would orphan every ' +
        'provider-side user id, so it is changed only by a planned migration, never on a schedule.'
      );
    case 'appWebhook':
      return (
        'The app verifies webhooks with this same secret; rotating it needs the app to accept the new one first, ' +
        'so rotation is a coordinated manual procedure (README, "Events for your app").'
      );
    default:
      return (
        `The ${id} credentials are issued by the provider and can only be rotated in its dashboard; ` +
        'a rotation Lambda has no API to call, so rotation is a documented manual procedure.'
      );
  }
}

function pascal(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}

function mapRecord<K extends string, V, R>(record: Readonly<Record<K, V>>, map: (value: V) => R): Record<K, R> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value as V)])) as Record<K, R>;
}

/** The catalog's projection in CDK's terms (`nonKeyAttributes` only for INCLUDE). */
function cdkProjection(projection: IndexProjection): { projectionType: ProjectionType; nonKeyAttributes?: string[] } {
  if (projection.type === 'KEYS_ONLY') return { projectionType: ProjectionType.KEYS_ONLY };
  if (projection.type === 'INCLUDE') return { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...projection.attributes] };
  return { projectionType: ProjectionType.ALL };
}
