/**
 * The stack built from the real catalog, bundled for real (local esbuild), checked property by property.
 * Synthesized once for the whole file: bundling every function is the slow part.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Token, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankingStack } from '../../infra/banking-stack';
import {
  bankingTable,
  projectionOf,
  deadLetterQueueName,
  deadLetterRetentionDays,
  defaultResourcePrefix,
  queueName,
  queues,
  secretName,
  secrets,
  tokenKeyAlias,
  type QueueId,
  type SecretId,
} from '../../shared/catalog/resources';
import { notFoundRoute, routes, scheduled, workers, type Grant } from '../../infra/catalog/routes';
import type { BankingFunction } from '../../infra/constructs/banking-function';
import {
  actionsOf,
  awsSolutionsFindings,
  environmentOf,
  functionLogicalId,
  functionResource,
  statementsOf,
  statementsOn,
  temporaryOutdir,
  type NagFinding,
} from './template-helpers';

const corsOrigins = ['https://app.example.com', 'http://localhost:5173'];
const prefix = defaultResourcePrefix;
const allRows = [...routes, notFoundRoute, ...workers, ...scheduled];

let outdir: string;
let stack: BankingStack;
let template: Template;
let findings: NagFinding[];

beforeAll(() => {
  outdir = temporaryOutdir();
  const app = new App({
    outdir,
    context: {
      corsOrigins: corsOrigins.join(','),
      // Records each function's staged bundle directory on its resource, so the bundles can be inspected.
      'aws:cdk:enable-asset-metadata': true,
    },
  });
  stack = new BankingStack(app, 'OpenBanking');
  template = Template.fromStack(stack);
  findings = awsSolutionsFindings(stack);
}, 240_000);

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

function fn(id: string): BankingFunction {
  const found = stack.functions.get(id);
  if (!found) throw new Error(`no function for catalog id ${id}`);
  return found;
}

function logicalIdOf(construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

function grantsOf(id: string): readonly Grant[] {
  const row = allRows.find((candidate) => candidate.id === id);
  if (!row) throw new Error(`no catalog row ${id}`);
  return row.grants;
}

describe('BankingStack (default context, real catalog)', () => {
  describe('functions', () => {
    it('creates one Lambda per route, worker, scheduled job and the not-found fallback', () => {
      // THEN
      const expected = routes.length + workers.length + scheduled.length + 1;
      template.resourceCountIs('AWS::Lambda::Function', expected);
      expect(stack.functions.size).toBe(expected);
      expect([...stack.functions.keys()].sort()).toEqual(allRows.map((row) => row.id).sort());
    });

    it('runs every function on nodejs22.x, arm64, with active tracing, and without source maps to parse at cold start', () => {
      template.allResourcesProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: Match.objectLike({ NODE_OPTIONS: Match.absent() }) },
      });
    });

    it('takes timeouts from the catalog (10 s for routes that name none)', () => {
      for (const route of routes) {
        expect(functionResource(template, stack, fn(route.id)).Properties.Timeout, route.id).toBe(route.timeoutSeconds ?? 10);
      }
      for (const row of [...workers, ...scheduled]) {
        expect(functionResource(template, stack, fn(row.id)).Properties.Timeout, row.id).toBe(row.timeoutSeconds);
      }
    });

    it('bundles each function locally into a minified ESM file with the require shim and no source map', () => {
      for (const row of allRows) {
        const metadata = functionResource(template, stack, fn(row.id)).Metadata ?? {};
        const assetDirectory = join(outdir, String(metadata['aws:asset:path']));
        const bundle = readFileSync(join(assetDirectory, 'index.mjs'), 'utf8');
        expect(bundle.startsWith("import { createRequire as __bankingCreateRequire } from 'node:module';"), row.id).toBe(true);
        expect(existsSync(join(assetDirectory, 'index.mjs.map')), row.id).toBe(false);
        expect(bundle.includes('sourceMappingURL'), row.id).toBe(false);
        // Unminified esbuild output averages a few dozen characters per line; minified output is a few huge lines.
        expect(bundle.length / bundle.split('\n').length, `${row.id} is minified`).toBeGreaterThan(1_000);
      }
    });

    it('produces bundles Node loads and runs as ES modules (health answers 200 from its bundle)', async () => {
      const metadata = functionResource(template, stack, fn('health')).Metadata ?? {};
      const bundlePath = join(outdir, String(metadata['aws:asset:path']), 'index.mjs');
      const { handler } = (await import(pathToFileURL(bundlePath).href)) as {
        handler: (event: unknown) => Promise<{ statusCode: number }>;
      };
      const event = {
        version: '2.0',
        routeKey: 'GET /api/v1/health',
        rawPath: '/api/v1/health',
        headers: {},
        requestContext: { requestId: 'bundle-check', http: { method: 'GET', path: '/api/v1/health' } },
        isBase64Encoded: false,
      };
      expect((await handler(event)).statusCode).toBe(200);
    });

    it('sends each function to its own log group with the default one-month retention', () => {
      for (const row of allRows) {
        const target = fn(row.id);
        const logGroupId = logicalIdOf(target.logGroup);
        expect(template.toJSON().Resources[logGroupId].Properties.RetentionInDays, row.id).toBe(30);
        expect(functionResource(template, stack, target).Properties.LoggingConfig, row.id).toEqual({
          LogGroup: { Ref: logGroupId },
        });
      }
    });

    it('uses no AWS managed policies (each role gets only its catalog grants)', () => {
      template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });
  });

  describe('grants', () => {
    it('gives kms:Encrypt and kms:Decrypt only to functions whose rows grant token or API-key-cache use', () => {
      const tokenHolders = allRows.filter((row) => row.grants.some((grant) => grant.startsWith('tokens:')));
      expect(tokenHolders.length, 'the catalog has token users').toBeGreaterThan(0);

      for (const row of allRows) {
        const kmsActions = actionsOf(statementsOf(template, stack, fn(row.id))).filter((action) => action.startsWith('kms:'));
        const cache = row.grants.includes('apiKeyCache:pluggy');
        const expected = [
          ...(row.grants.includes('tokens:encrypt:plaid') || cache ? ['kms:Encrypt'] : []),
          ...(row.grants.includes('tokens:decrypt:plaid') || cache ? ['kms:Decrypt'] : []),
        ];
        expect([...new Set(kmsActions)].sort(), row.id).toEqual(expected.sort());
        expect('TOKEN_KEY_ID' in environmentOf(template, stack, fn(row.id)), row.id).toBe(expected.length > 0);
      }
    });

    it('lets only the functions that hold a secret grant read that secret, and tells only them its ARN', () => {
      for (const secretId of Object.keys(secrets) as SecretId[]) {
        const secretLogicalId = logicalIdOf(stack.secrets[secretId]);
        for (const row of allRows) {
          const holds = row.grants.includes(`secret:${secretId}`);
          const reads = statementsOn(statementsOf(template, stack, fn(row.id)), secretLogicalId);
          expect(actionsOf(reads).includes('secretsmanager:GetSecretValue'), `${row.id} reads ${secretId}`).toBe(holds);
          expect(secrets[secretId].arnEnvVar in environmentOf(template, stack, fn(row.id)), row.id).toBe(holds);
        }
      }
    });

    it('gives table read/write data permissions and TABLE_NAME only where the row grants them', () => {
      const tableId = logicalIdOf(stack.table);
      for (const row of allRows) {
        const onTable = actionsOf(statementsOn(statementsOf(template, stack, fn(row.id)), tableId));
        const intake = row.grants.includes('table:webhookIntake');
        expect(onTable.includes('dynamodb:Query'), `${row.id} reads`).toBe(row.grants.includes('table:read') || intake);
        expect(onTable.includes('dynamodb:PutItem'), `${row.id} writes`).toBe(row.grants.includes('table:write') || intake);
        const usesTable = row.grants.includes('table:read') || row.grants.includes('table:write') || intake;
        expect('TABLE_NAME' in environmentOf(template, stack, fn(row.id)), row.id).toBe(usesTable);
      }
    });

    it('lets only the functions that hold a queue grant send to that queue, with its URL in the catalog env var', () => {
      for (const queueId of Object.keys(queues) as QueueId[]) {
        const queueLogicalId = logicalIdOf(stack.queues[queueId].queue);
        for (const row of allRows) {
          const sends = actionsOf(statementsOn(statementsOf(template, stack, fn(row.id)), queueLogicalId));
          const holds = grantsOf(row.id).includes(`queue:${queueId}`);
          expect(sends.includes('sqs:SendMessage'), `${row.id} sends to ${queueId}`).toBe(holds);
          expect(environmentOf(template, stack, fn(row.id))[queues[queueId].urlEnvVar], row.id).toEqual(
            holds ? { Ref: queueLogicalId } : undefined,
          );
        }
      }
    });

    it('passes provider settings only to functions holding a provider credential', () => {
      // Without publicBaseUrl context, webhook URLs are built on the API's own endpoint.
      const apiEndpoint = { 'Fn::GetAtt': [logicalIdOf(stack.httpApi.api), 'ApiEndpoint'] };
      for (const row of allRows) {
        const environment = environmentOf(template, stack, fn(row.id));
        const plaid = row.grants.includes('secret:plaid');
        const pluggy = row.grants.includes('secret:pluggy');
        expect(environment.PLAID_ENV, row.id).toBe(plaid ? 'sandbox' : undefined);
        expect(environment.PLUGGY_BASE_URL, row.id).toBe(pluggy ? 'https://api.pluggy.ai' : undefined);
        expect(environment.PLUGGY_ENV, row.id).toBe(pluggy ? 'sandbox' : undefined);
        expect(environment.PUBLIC_API_BASE_URL, row.id).toEqual(plaid || pluggy ? apiEndpoint : undefined);
      }
    });

    it('gives the scheduler and every table writer the same due-index settings', () => {
      const dueIndexUsers = allRows.filter(
        (row) => scheduled.some((job) => job.id === row.id) || row.grants.includes('table:write'),
      );
      for (const row of dueIndexUsers) {
        expect(environmentOf(template, stack, fn(row.id)), row.id).toMatchObject({
          AUTO_SYNC_INTERVAL_HOURS: '12',
          DUE_INDEX_SHARDS: '8',
        });
      }
    });
  });

  describe('table', () => {
    it('is on-demand with point-in-time recovery, the catalog TTL attribute and deletion protection', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: bankingTable.timeToLiveAttribute, Enabled: true },
          DeletionProtectionEnabled: true,
          SSESpecification: { SSEEnabled: true },
          KeySchema: [
            { AttributeName: bankingTable.partitionKey, KeyType: 'HASH' },
            { AttributeName: bankingTable.sortKey, KeyType: 'RANGE' },
          ],
        },
      });
    });

    it('has exactly the catalog GSIs, each with its catalog projection', () => {
      const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0] as {
        Properties: { GlobalSecondaryIndexes: { IndexName: string; KeySchema: unknown; Projection: unknown }[] };
      };
      expect(table.Properties.GlobalSecondaryIndexes).toEqual(
        bankingTable.globalIndexes.map((index) => {
          const projection = projectionOf(index);
          return {
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection:
              projection.type === 'INCLUDE'
                ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projection.attributes] }
                : { ProjectionType: projection.type },
          };
        }),
      );
    });

    it('projects only the due attributes into the due index (GSI2v2), which only the scheduler reads', () => {
      const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0] as {
        Properties: { GlobalSecondaryIndexes: { IndexName: string; Projection: { ProjectionType: string; NonKeyAttributes?: string[] } }[] };
      };
      const due = table.Properties.GlobalSecondaryIndexes.find((index) => index.IndexName === 'GSI2v2');
      expect(due?.Projection.ProjectionType).toBe('INCLUDE');
      expect(due?.Projection.NonKeyAttributes).not.toContain('access_token');
      expect(due?.Projection.NonKeyAttributes).toEqual(expect.arrayContaining(['status', 'next_sync_at', 'institution']));
    });
  });

  describe('token key', () => {
    it('rotates, is retained, and carries the catalog alias', () => {
      const keyId = logicalIdOf(stack.tokenKey);
      template.resourceCountIs('AWS::KMS::Key', 1);
      template.hasResource('AWS::KMS::Key', {
        DeletionPolicy: 'Retain',
        Properties: { EnableKeyRotation: true },
      });
      template.hasResourceProperties('AWS::KMS::Alias', {
        AliasName: tokenKeyAlias(prefix),
        TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    });
  });

  describe('queues', () => {
    it('creates each catalog queue with a dead-letter queue and the catalog max receive count', () => {
      template.resourceCountIs('AWS::SQS::Queue', Object.keys(queues).length * 2);
      for (const definition of Object.values(queues)) {
        const workQueue = stack.queues[definition.id];
        template.hasResourceProperties('AWS::SQS::Queue', {
          QueueName: queueName(definition, prefix),
          VisibilityTimeout: definition.visibilityTimeoutSeconds,
          MessageRetentionPeriod: definition.retentionDays * 86_400,
          SqsManagedSseEnabled: true,
          RedrivePolicy: {
            deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(workQueue.deadLetterQueue), 'Arn'] },
            maxReceiveCount: definition.maxReceiveCount,
          },
        });
        template.hasResourceProperties('AWS::SQS::Queue', {
          QueueName: deadLetterQueueName(definition, prefix),
          MessageRetentionPeriod: deadLetterRetentionDays * 86_400,
          SqsManagedSseEnabled: true,
        });
      }
    });

    it('makes the sync queue and its DLQ FIFO without content-based deduplication', () => {
      expect(queues.sync.fifo).toBe(true);
      for (const name of [queueName(queues.sync, prefix), deadLetterQueueName(queues.sync, prefix)]) {
        expect(name.endsWith('.fifo')).toBe(true);
        template.hasResourceProperties('AWS::SQS::Queue', {
          QueueName: name,
          FifoQueue: true,
          ContentBasedDeduplication: false,
        });
      }
    });

    it('refuses plain-HTTP access to every queue', () => {
      template.resourceCountIs('AWS::SQS::QueuePolicy', Object.keys(queues).length * 2);
      template.allResourcesProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('raises an alarm as soon as one message reaches a dead-letter queue', () => {
      // One per dead-letter queue; the operations alarms are checked in operations.test.ts.
      expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AWS/SQS' } }))).toHaveLength(
        Object.keys(queues).length,
      );
      for (const queueId of Object.keys(queues) as QueueId[]) {
        const dlqId = logicalIdOf(stack.queues[queueId].deadLetterQueue);
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
      }
    });
  });

  describe('workers and schedules', () => {
    it('connects each worker to its queue with partial batch failures, batch size and max concurrency', () => {
      expect(workers.length, 'the catalog has workers').toBeGreaterThan(0);
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', workers.length);
      template.allResourcesProperties('AWS::Lambda::EventSourceMapping', {
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      for (const worker of workers) {
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          FunctionName: { Ref: functionLogicalId(stack, fn(worker.id)) },
          EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.queues[worker.queue].queue), 'Arn'] },
          BatchSize: worker.batchSize,
          ScalingConfig: { MaximumConcurrency: worker.maxConcurrency },
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        });
      }
    });

    it('invokes each scheduled function from an EventBridge rate rule', () => {
      expect(scheduled.length, 'the catalog has scheduled jobs').toBeGreaterThan(0);
      template.resourceCountIs('AWS::Events::Rule', scheduled.length);
      for (const job of scheduled) {
        template.hasResourceProperties('AWS::Events::Rule', {
          ScheduleExpression: `rate(${job.everyMinutes} minutes)`,
          State: 'ENABLED',
          Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionLogicalId(stack, fn(job.id)), 'Arn'] } })],
        });
      }
    });
  });

  describe('app events', () => {
    it('creates the event bus; publishers may put events on it and read its name, nothing else may', () => {
      template.hasResourceProperties('AWS::Events::EventBus', { Name: `${prefix}-events` });
      const busId = logicalIdOf(stack.eventBus);
      for (const row of allRows) {
        const publishes = row.grants.includes('events:publish');
        const onBus = statementsOn(statementsOf(template, stack, fn(row.id)), busId);
        expect(actionsOf(onBus), row.id).toEqual(publishes ? ['events:PutEvents'] : []);
        expect(environmentOf(template, stack, fn(row.id)).EVENT_BUS_NAME !== undefined, row.id).toBe(publishes);
      }
    });

    it('without appWebhookUrl, publishers neither queue deliveries nor see an app webhook URL', () => {
      for (const row of allRows.filter((candidate) => candidate.grants.includes('events:publish'))) {
        const environment = environmentOf(template, stack, fn(row.id));
        expect(environment.APP_WEBHOOK_URL, row.id).toBeUndefined();
        expect(environment.APP_WEBHOOK_QUEUE_URL, row.id).toBeUndefined();
      }
    });

    it('the delivery worker consumes the app-webhook queue, whose DLQ has an alarm', () => {
      const worker = workers.find((row) => row.queue === 'appWebhooks');
      expect(worker?.entry).toBe('functions/workers/deliver-app-webhook.ts');
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `${prefix}-${queues.appWebhooks.baseName}-dlq-not-empty` });
    });
  });

  describe('HTTP API', () => {
    it('has one route per catalog row, behind the JWT authorizer exactly when auth is "user"', () => {
      const authorizers = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'));
      expect(authorizers).toHaveLength(1);
      const authorizerId = authorizers[0];
      template.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length + 1);
      for (const route of routes) {
        template.hasResourceProperties(
          'AWS::ApiGatewayV2::Route',
          route.auth === 'user'
            ? { RouteKey: `${route.method} ${route.path}`, AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } }
            : { RouteKey: `${route.method} ${route.path}`, AuthorizationType: 'NONE', AuthorizerId: Match.absent() },
        );
      }
    });

    it('leaves the health check public', () => {
      const health = routes.find((route) => route.id === 'health');
      expect(health?.auth).toBe('none');
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `GET ${health?.path}`,
        AuthorizationType: 'NONE',
        AuthorizerId: Match.absent(),
      });
    });

    it('sends unmatched requests to the not-found function through the public $default route', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: '$default',
        AuthorizationType: 'NONE',
        AuthorizerId: Match.absent(),
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationUri: { 'Fn::GetAtt': [functionLogicalId(stack, fn(notFoundRoute.id)), 'Arn'] },
        PayloadFormatVersion: '2.0',
      });
    });

    it('verifies user JWTs against the stack user pool and its app client', () => {
      const userPool = stack.authentication.userPool;
      const client = stack.authentication.userPoolClient;
      expect(userPool && client).toBeTruthy();
      template.resourceCountIs('AWS::Cognito::UserPool', 1);
      template.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Issuer: { 'Fn::GetAtt': [logicalIdOf(userPool!), 'ProviderURL'] },
          Audience: [{ Ref: logicalIdOf(client!) }],
        },
      });
    });

    it('answers CORS preflights for the origins given by context, with the headers and methods the API uses', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        CorsConfiguration: {
          AllowOrigins: corsOrigins,
          AllowHeaders: Match.arrayWith(['authorization', 'content-type']),
          AllowMethods: Match.arrayEquals([...new Set(routes.map((route) => route.method))]),
          AllowCredentials: false,
        },
      });
    });

    it('logs every request as JSON and throttles the stage', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: { Format: Match.stringLikeRegexp('"request_id":"\\$context.requestId"') },
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      });
    });
  });

  describe('secrets', () => {
    it('creates one secret per catalog entry, named with the prefix, holding every field empty', () => {
      template.resourceCountIs('AWS::SecretsManager::Secret', Object.keys(secrets).length);
      for (const definition of Object.values(secrets)) {
        template.hasResource('AWS::SecretsManager::Secret', {
          DeletionPolicy: 'Retain',
          Properties: {
            Name: secretName(definition, prefix),
            SecretString: JSON.stringify(Object.fromEntries(definition.fields.map((field) => [field, '']))),
          },
        });
      }
    });
  });

  describe('deployment', () => {
    it('is environment-agnostic, so synth needs no account, region or credentials', () => {
      expect(Token.isUnresolved(stack.account)).toBe(true);
      expect(Token.isUnresolved(stack.region)).toBe(true);
    });

    it('outputs the API URL, user pool ids, table name and queue URLs', () => {
      const outputs = Object.keys(template.findOutputs('*'));
      expect(outputs).toEqual(
        expect.arrayContaining(['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'TableName', 'SyncQueueUrl', 'WebhookEventsQueueUrl', 'ProviderWritesQueueUrl']),
      );
    });

    it('has no unacknowledged cdk-nag AwsSolutions error', () => {
      const errors = findings.filter((finding) => finding.severity === 'error');
      expect(errors).toEqual([]);
    });

    it('acknowledges every rule it skips with a written reason', () => {
      const acknowledgements = stack.node
        .findAll()
        .flatMap((node) => node.node.metadata)
        .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
      expect(acknowledgements.length).toBeGreaterThan(0);
      for (const [rule, reason] of acknowledgements) {
        expect(rule).toMatch(/AwsSolutions-/);
        expect(reason.length, rule).toBeGreaterThan(60);
      }
    });
  });
});
