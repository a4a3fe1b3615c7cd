/**
 * Least privilege and throttling in the synthesized template: the public Pluggy webhook function cannot read
 * Pluggy's API credentials, webhook functions get only the table actions receiving a webhook takes, every KMS
 * use is tied to a provider and purpose by encryption context, the key policy names its users instead of
 * handing the account blanket kms:*, and webhook and public routes are throttled apart from user routes.
 * Bundling is skipped (`aws:cdk:bundling-stacks: []`); banking-stack.test.ts covers the bundles.
 */
import { rmSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankingStack } from '../../infra/banking-stack';
import { notFoundRoute, routes, scheduled, workers } from '../../infra/catalog/routes';
import { actionsOf, awsSolutionsFindings, statementsOf, statementsOn, temporaryOutdir, type NagFinding } from './template-helpers';

const allRows = [...routes, notFoundRoute, ...workers, ...scheduled];
let outdir: string;
let stack: BankingStack;
let template: Template;
let findings: NagFinding[];

beforeAll(() => {
  outdir = temporaryOutdir();
  const app = new App({
    outdir,
    context: { 'aws:cdk:bundling-stacks': [], webhookRateLimit: '7', webhookBurstLimit: '14', publicRateLimit: '3', publicBurstLimit: '6' },
  });
  stack = new BankingStack(app, 'OpenBanking');
  template = Template.fromStack(stack);
  findings = awsSolutionsFindings(stack);
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function logicalIdOf(construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

function statementsOfRow(id: string) {
  const fn = stack.functions.get(id);
  if (!fn) throw new Error(`no function ${id}`);
  return statementsOf(template, stack, fn);
}

interface KeyPolicyStatement {
  Effect: string;
  Principal?: { AWS?: unknown };
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

function keyPolicyStatements(): KeyPolicyStatement[] {
  const key = template.toJSON().Resources[logicalIdOf(stack.tokenKey)];
  return key.Properties.KeyPolicy.Statement as KeyPolicyStatement[];
}

const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

describe('least privilege', () => {
  it('lets pluggyWebhook read only the Pluggy webhook secret, never the one holding client_secret', () => {
    const statements = statementsOfRow('pluggyWebhook');
    const reads = (secret: IConstruct) => actionsOf(statementsOn(statements, logicalIdOf(secret)));
    expect(reads(stack.secrets.pluggyWebhook)).toContain('secretsmanager:GetSecretValue');
    expect(reads(stack.secrets.pluggy)).toEqual([]);
    expect(reads(stack.secrets.plaid)).toEqual([]);
    expect(actionsOf(statements).filter((action) => action.startsWith('kms:'))).toEqual([]);
  });

  it('gives the webhook functions only the table actions receiving a webhook takes, writes pinned to event rows', () => {
    const tableId = logicalIdOf(stack.table);
    for (const id of ['plaidWebhook', 'pluggyWebhook']) {
      const onTable = statementsOn(statementsOfRow(id), tableId);
      expect([...new Set(actionsOf(onTable))].sort(), id).toEqual(
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      );
      for (const statement of onTable) {
        if (asList(statement.Action as string | string[]).some((action) => /Put|Update/.test(action))) {
          expect(statement.Condition, id).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['WEBHOOK#*'] } });
        }
      }
    }
  });

  it('ties every kms:Encrypt / kms:Decrypt grant to a provider and purpose by encryption context', () => {
    let kmsStatements = 0;
    for (const row of allRows) {
      for (const statement of statementsOfRow(row.id)) {
        const actions = asList(statement.Action as string | string[]);
        if (!actions.some((action) => action.startsWith('kms:'))) continue;
        kmsStatements += 1;
        expect(actions.every((action) => action === 'kms:Encrypt' || action === 'kms:Decrypt'), row.id).toBe(true);
        const equals = (statement.Condition as Record<string, Record<string, unknown>> | undefined)?.StringEquals ?? {};
        expect(Object.keys(equals).some((key) => key.startsWith('kms:EncryptionContext:')), row.id).toBe(true);
        const provider = equals['kms:EncryptionContext:provider'];
        if (equals['kms:EncryptionContext:purpose'] === 'api-key-cache') {
          expect(provider, row.id).toBe('pluggy');
        } else {
          expect(provider, row.id).toBe('plaid');
          expect(actions, row.id).toHaveLength(1);
        }
      }
    }
    expect(kmsStatements).toBeGreaterThan(10);
  });

  it('lets Pluggy-only functions decrypt nothing but the cached Pluggy API key', () => {
    for (const id of ['createPluggyConnectToken', 'createConnection', 'submitConnectionMfa', 'getConnectionConsent', 'writeProviderChange']) {
      for (const statement of statementsOfRow(id)) {
        if (!asList(statement.Action as string | string[]).includes('kms:Decrypt')) continue;
        expect(statement.Condition, id).toMatchObject({
          StringEquals: { 'kms:EncryptionContext:provider': 'pluggy', 'kms:EncryptionContext:purpose': 'api-key-cache' },
        });
      }
    }
  });

  it('keeps the key policy to administration by the account and conditioned use by named function roles', () => {
    const statements = keyPolicyStatements();
    const cryptographic = /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|\*)/;
    for (const statement of statements) {
      const actions = asList(statement.Action);
      expect(actions).not.toContain('kms:*');
      if (!actions.some((action) => cryptographic.test(action))) continue;
      // A use statement: a function role (Fn::GetAtt of a role), never the account, always with a context condition.
      expect(JSON.stringify(statement.Principal)).toMatch(/Fn::GetAtt/);
      expect(JSON.stringify(statement.Principal)).not.toMatch(/:root/);
      expect(Object.keys(statement.Condition?.StringEquals ?? {}).some((key) => key.startsWith('kms:EncryptionContext:'))).toBe(true);
    }
    const administration = statements.filter((statement) => JSON.stringify(statement.Principal).includes(':root'));
    expect(administration).toHaveLength(1);
    expect(asList(administration[0]!.Action)).toEqual(expect.arrayContaining(['kms:Describe*', 'kms:ScheduleKeyDeletion', 'kms:Put*']));
  });

  it('has no unacknowledged cdk-nag AwsSolutions error', () => {
    expect(findings).toEqual([]);
  });
});

describe('throttling', () => {
  it('throttles webhook and public routes with their own route settings, users with the stage default', () => {
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as {
      Properties: { DefaultRouteSettings: unknown; RouteSettings?: Record<string, unknown> };
    };
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    const expected: Record<string, unknown> = {
      'POST /api/v1/webhooks/plaid': { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 14 },
      'POST /api/v1/webhooks/pluggy': { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 14 },
      'GET /api/v1/health': { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 },
      $default: { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 },
    };
    expect(stage.Properties.RouteSettings).toEqual(expected);
    // Every route without a user is in a group of its own; no user route is.
    for (const route of routes) {
      expect(`${route.method} ${route.path}` in expected, route.id).toBe(route.auth === 'none');
    }
  });
});
