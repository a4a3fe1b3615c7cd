/**
 * The stack under non-default CDK context: an external JWT issuer instead of the bundled user pool, another
 * resource prefix, no CORS, longer log retention, Plaid production, a public base URL and an alarm topic.
 * Bundling is skipped here (`aws:cdk:bundling-stacks: []`); banking-stack.test.ts covers the bundles.
 */
import { rmSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankingStack, defaultCatalog, validateCatalog, type FunctionCatalog } from '../../infra/banking-stack';
import { bankingTable, deadLetterQueueName, queueName, queues, retiredIndexes, secretName, secrets, tokenKeyAlias } from '../../shared/catalog/resources';
import { notFoundRoute, routes, scheduled, workers } from '../../infra/catalog/routes';
import type { BankingFunction } from '../../infra/constructs/banking-function';
import { awsSolutionsFindings, environmentOf, temporaryOutdir, type NagFinding } from './template-helpers';

const prefix = 'acme-bank';
const issuer = 'https://auth.acme.example/';
const audience = ['web-app', 'mobile-app'];
const publicBaseUrl = 'https://api.acme.example';
const alarmTopicArn = 'arn:aws:sns:us-east-1:123456789012:ops-alerts';
const allRows = [...routes, notFoundRoute, ...workers, ...scheduled];

const outdirs: string[] = [];
let stack: BankingStack;
let template: Template;
let findings: NagFinding[];

beforeAll(() => {
  const app = new App({
    outdir: track(temporaryOutdir()),
    context: {
      // Strings, as `cdk synth -c key=value` delivers them.
      prefix,
      jwtIssuer: issuer,
      jwtAudience: audience.join(', '),
      logRetentionDays: '90',
      plaidEnv: 'production',
      pluggyEnv: 'production',
      publicBaseUrl,
      alarmTopicArn,
      'aws:cdk:bundling-stacks': [],
    },
  });
  stack = new BankingStack(app, 'OpenBanking');
  template = Template.fromStack(stack);
  findings = awsSolutionsFindings(stack);
}, 120_000);

afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

function track(outdir: string): string {
  outdirs.push(outdir);
  return outdir;
}

function fn(id: string): BankingFunction {
  const found = stack.functions.get(id);
  if (!found) throw new Error(`no function for catalog id ${id}`);
  return found;
}

function logicalIdOf(construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

describe('BankingStack with an external issuer and custom context', () => {
  it('creates no user pool when jwtIssuer/jwtAudience name an external issuer', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    expect(stack.authentication.userPool).toBeUndefined();
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).not.toContain('UserPoolId');
    expect(outputs).not.toContain('UserPoolClientId');
    template.hasOutput('JwtIssuer', { Value: issuer });
  });

  it('points the JWT authorizer at that issuer and audience, still only on user routes', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: issuer, Audience: audience },
    });
    const userRoutes = routes.filter((route) => route.auth === 'user');
    expect(Object.keys(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { AuthorizationType: 'JWT' } }))).toHaveLength(
      userRoutes.length,
    );
  });

  it('configures no CORS when no origins are given', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  it('names queues, key alias, secrets and the API with the context prefix', () => {
    for (const definition of Object.values(queues)) {
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: queueName(definition, prefix) });
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: deadLetterQueueName(definition, prefix) });
    }
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: tokenKeyAlias(prefix) });
    for (const definition of Object.values(secrets)) {
      template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: secretName(definition, prefix) });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: `${prefix}-api` });
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: prefix }) },
    });
  });

  it('keeps every log group for the logRetentionDays given', () => {
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.resourceCountIs('AWS::Logs::LogGroup', allRows.length + 1);
  });

  it('hands Plaid production and the public base URL to the functions holding provider credentials', () => {
    const providerRows = allRows.filter((row) => row.grants.includes('secret:plaid') || row.grants.includes('secret:pluggy'));
    expect(providerRows.length).toBeGreaterThan(0);
    for (const row of allRows) {
      const environment = environmentOf(template, stack, fn(row.id));
      expect(environment.PLAID_ENV, row.id).toBe(row.grants.includes('secret:plaid') ? 'production' : undefined);
      expect(environment.PLUGGY_ENV, row.id).toBe(row.grants.includes('secret:pluggy') ? 'production' : undefined);
      expect(environment.PUBLIC_API_BASE_URL, row.id).toBe(providerRows.includes(row) ? publicBaseUrl : undefined);
    }
  });

  it('notifies the given SNS topic when a dead-letter alarm fires or clears', () => {
    // One per dead-letter queue, plus the operations alarms (tests/infra/operations.test.ts).
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AWS/SQS' } }))).toHaveLength(
      Object.keys(queues).length,
    );
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [alarmTopicArn],
      OKActions: [alarmTopicArn],
    });
  });

  it('still wires the sync worker to its queue', () => {
    for (const worker of workers) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.queues[worker.queue].queue), 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });

  it('has no unacknowledged cdk-nag AwsSolutions error', () => {
    expect(findings.filter((finding) => finding.severity === 'error')).toEqual([]);
  });
});

describe('the two-step index upgrade', () => {
  function indexNames(context: Record<string, unknown>): string[] {
    const app = new App({ outdir: track(temporaryOutdir()), context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    const table = Object.values(Template.fromStack(new BankingStack(app, 'Upgrade')).findResources('AWS::DynamoDB::Table'))[0] as {
      Properties: { GlobalSecondaryIndexes: { IndexName: string }[] };
    };
    return table.Properties.GlobalSecondaryIndexes.map((index) => index.IndexName).sort();
  }

  it('a new stack has only the current indexes; keepRetiredIndexes=true adds the retired ones beside them', () => {
    const current = bankingTable.globalIndexes.map((index) => index.name).sort();
    expect(indexNames({})).toEqual(current);
    expect(indexNames({ keepRetiredIndexes: 'true' })).toEqual([...current, ...retiredIndexes.map((index) => index.name)].sort());
    expect(indexNames({ keepRetiredIndexes: 'false' })).toEqual(current);
    // Never both names for one index in a stack without the flag, and never a retired name reused.
    for (const retired of retiredIndexes) expect(current).not.toContain(retired.name);
  }, 120_000);

  it('refuses a keepRetiredIndexes that is not true or false', () => {
    expect(() => indexNames({ keepRetiredIndexes: 'yes' })).toThrow(/context "keepRetiredIndexes"/);
  });
});

describe('BankingStack input checks', () => {
  function stackWith(context: Record<string, unknown>, catalog?: FunctionCatalog): () => BankingStack {
    return () =>
      new BankingStack(new App({ outdir: track(temporaryOutdir()), context: { ...context, 'aws:cdk:bundling-stacks': [] } }), 'Broken', {
        catalog,
      });
  }

  it('refuses an issuer without an audience', () => {
    expect(stackWith({ jwtIssuer: issuer })).toThrow(/"jwtIssuer" and "jwtAudience" go together/);
  });

  it('refuses a log retention CloudWatch does not offer', () => {
    expect(stackWith({ logRetentionDays: '45' })).toThrow(/context "logRetentionDays"/);
  });

  it('refuses a CORS origin with a path, which API Gateway would never match', () => {
    expect(stackWith({ corsOrigins: 'https://app.example.com/' })).toThrow(/context "corsOrigins.0"/);
  });

  it('refuses an unknown Plaid environment', () => {
    expect(stackWith({ plaidEnv: 'development' })).toThrow(/context "plaidEnv"/);
  });

  it('refuses a worker whose timeout outlasts its queue visibility timeout', () => {
    const [worker] = workers;
    expect(worker).toBeDefined();
    const slowWorker = { ...worker!, timeoutSeconds: queues[worker!.queue].visibilityTimeoutSeconds + 1 };
    expect(() => validateCatalog({ ...defaultCatalog, workers: [slowWorker] })).toThrow(/hides messages for only/);
  });

  it('refuses two rows with the same id or the same route', () => {
    const [first] = routes;
    expect(() => validateCatalog({ ...defaultCatalog, routes: [...routes, { ...first!, id: 'copy' }] })).toThrow(
      /is listed twice/,
    );
    expect(() =>
      validateCatalog({ ...defaultCatalog, scheduled: [...scheduled, { ...scheduled[0]!, everyMinutes: 5 }] }),
    ).toThrow(/duplicate id/);
  });
});
