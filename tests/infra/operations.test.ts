/**
 * The operational parts of the stack: alarms (sync failure rate, webhook rejection rate, scheduler, DLQs), the
 * operations dashboard, the auto-sync tick rule, retry and back-pressure settings of the sync worker, tracing,
 * log retention and API throttling. Bundling is skipped (`aws:cdk:bundling-stacks: []`); banking-stack.test.ts
 * covers the bundles.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoSyncSchedulerId, BankingStack } from '../../infra/banking-stack';
import { queues, type QueueId } from '../../shared/catalog/resources';
import { scheduled, workers } from '../../infra/catalog/routes';
import { projectRoot } from '../../infra/constructs/banking-function';
import {
  minimumEventsForRate,
  syncFailureRateThresholdPercent,
  webhookRejectionRateThresholdPercent,
} from '../../infra/constructs/operations-alarms';
import { metricNames } from '../../shared/observability/metric-names';
import { actionsOf, awsSolutionsFindings, functionLogicalId, statementsOf, statementsOn, temporaryOutdir, type NagFinding } from './template-helpers';

const prefix = 'ops-check';
const alarmTopicArn = 'arn:aws:sns:us-east-1:123456789012:ops-alerts';
const outdirs: string[] = [];
let stack: BankingStack;
let template: Template;
let findings: NagFinding[];

beforeAll(() => {
  const outdir = temporaryOutdir();
  outdirs.push(outdir);
  const app = new App({ outdir, context: { prefix, alarmTopicArn, 'aws:cdk:bundling-stacks': [] } });
  stack = new BankingStack(app, 'OpenBanking');
  template = Template.fromStack(stack);
  findings = awsSolutionsFindings(stack);
}, 120_000);

afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

function logicalIdOf(construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

function fnId(id: string): string {
  const fn = stack.functions.get(id);
  if (!fn) throw new Error(`no function ${id}`);
  return functionLogicalId(stack, fn);
}

interface AlarmJson {
  Properties: {
    AlarmName: string;
    Threshold: number;
    ComparisonOperator: string;
    EvaluationPeriods: number;
    TreatMissingData?: string;
    AlarmActions?: unknown[];
    OKActions?: unknown[];
    Metrics?: { Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] }; Period: number; Stat: string } }[];
  };
}

function alarmNamed(name: string): AlarmJson {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, AlarmJson>).find(
    (alarm) => alarm.Properties.AlarmName === name,
  );
  if (!found) throw new Error(`no alarm named ${name}`);
  return found;
}

/** The metric a rate alarm reads under `id`, by name, with the service dimension the functions publish. */
function expectServiceMetric(alarm: AlarmJson, id: string, metricName: string): void {
  const query = alarm.Properties.Metrics?.find((entry) => entry.Id === id);
  expect(query?.MetricStat).toEqual({
    Metric: { Namespace: prefix, MetricName: metricName, Dimensions: [{ Name: 'service', Value: prefix }] },
    Period: 900,
    Stat: 'Sum',
  });
}

describe('operations alarms', () => {
  it('alarms when more than 20 % of sync runs failed over 15 minutes', () => {
    const alarm = alarmNamed(`${prefix}-sync-failure-rate`);
    expect(alarm.Properties).toMatchObject({
      Threshold: syncFailureRateThresholdPercent,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(syncFailureRateThresholdPercent).toBe(20);
    const expression = alarm.Properties.Metrics?.find((entry) => entry.Expression)?.Expression;
    expect(expression).toBe(
      `IF(FILL(failed, 0) + FILL(succeeded, 0) >= ${minimumEventsForRate}, 100 * FILL(failed, 0) / (FILL(failed, 0) + FILL(succeeded, 0)), 0)`,
    );
    expectServiceMetric(alarm, 'failed', metricNames.syncRunsFailed);
    expectServiceMetric(alarm, 'succeeded', metricNames.syncRunsSucceeded);
  });

  it('alarms when more than 10 % of webhook deliveries were rejected over 15 minutes', () => {
    const alarm = alarmNamed(`${prefix}-webhook-rejection-rate`);
    expect(alarm.Properties).toMatchObject({ Threshold: webhookRejectionRateThresholdPercent, ComparisonOperator: 'GreaterThanThreshold' });
    expect(alarm.Properties.Metrics?.find((entry) => entry.Expression)?.Expression).toMatch(
      /^IF\(FILL\(rejected, 0\) >= 5, 100 \* FILL\(rejected, 0\) \/ \(FILL\(rejected, 0\) \+ FILL\(received, 0\)\), 0\)$/,
    );
    expectServiceMetric(alarm, 'rejected', metricNames.webhooksRejected);
    expectServiceMetric(alarm, 'received', metricNames.webhooksReceived);
  });

  it('alarms when the auto-sync scheduler fails on two ticks in a row', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${prefix}-auto-sync-scheduler-failing`,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId(autoSyncSchedulerId) } }],
      Period: 900,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
    });
  });

  it('keeps one dead-letter alarm per queue, and sends every alarm and its recovery to the alarm topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, AlarmJson>);
    expect(alarms).toHaveLength(Object.keys(queues).length + 3);
    for (const queueId of Object.keys(queues) as QueueId[]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack.queues[queueId].deadLetterQueue), 'QueueName'] } }],
        Threshold: 1,
      });
    }
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions, alarm.Properties.AlarmName).toEqual([alarmTopicArn]);
      expect(alarm.Properties.OKActions, alarm.Properties.AlarmName).toEqual([alarmTopicArn]);
    }
  });
});

describe('operations dashboard', () => {
  /** The dashboard resource as JSON text (references to alarms, queues and functions appear as logical ids). */
  let body: string;
  /** Every metric expression and metric name the widgets chart. */
  const expressions: string[] = [];
  const charted = new Set<string>();

  beforeAll(() => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard', { Properties: { DashboardName: `${prefix}-operations` } });
    expect(Object.keys(dashboards)).toHaveLength(1);
    const dashboard = Object.values(dashboards)[0] as { Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } } };
    body = JSON.stringify(dashboard);
    // The body is JSON text joined with CloudFormation references; a placeholder stands in for each reference.
    const text = dashboard.Properties.DashboardBody['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'REF')).join('');
    const widgets = (JSON.parse(text) as { widgets: { properties: { metrics?: unknown[][] } }[] }).widgets;
    for (const widget of widgets) {
      for (const line of widget.properties.metrics ?? []) {
        for (const entry of line) {
          if (typeof entry === 'string') charted.add(entry);
          else if (entry && typeof entry === 'object' && 'expression' in entry) expressions.push(String(entry.expression));
        }
      }
    }
  });

  it('charts sync runs, transactions, webhooks, provider calls, auto-sync ticks and category sync-back by name', () => {
    const searched = expressions.join('\n');
    for (const name of Object.values(metricNames)) expect(charted.has(name) || searched.includes(`MetricName="${name}"`), name).toBe(true);
  });

  it('breaks webhooks and provider calls down by provider (and type, kind, reason) with SEARCH', () => {
    const search = (dimensions: string, name: string, statistic = 'Sum') =>
      `SEARCH('{"${prefix}",${dimensions},service} MetricName="${name}" service="${prefix}"', '${statistic}', 300)`;
    expect(expressions).toEqual(
      expect.arrayContaining([
        search('provider', metricNames.providerCalls),
        search('provider,kind', metricNames.providerCallErrors),
        search('provider', metricNames.providerRateLimited),
        search('provider', metricNames.providerCallLatency, 'p90'),
        search('provider', metricNames.webhooksReceived),
        search('provider,type', metricNames.webhooksReceived),
        search('reason', metricNames.webhooksRejectedByReason),
        search('reason', metricNames.syncRunsFailedByReason),
      ]),
    );
  });

  it('shows every alarm, every work queue and dead-letter queue, and the sync worker and scheduler', () => {
    for (const alarm of Object.keys(template.findResources('AWS::CloudWatch::Alarm'))) expect(body).toContain(`"${alarm}"`);
    for (const queueId of Object.keys(queues) as QueueId[]) {
      expect(body).toContain(`"${logicalIdOf(stack.queues[queueId].queue)}"`);
      expect(body).toContain(`"${logicalIdOf(stack.queues[queueId].deadLetterQueue)}"`);
    }
    expect(body).toContain(`"${fnId(autoSyncSchedulerId)}"`);
    expect(body).toContain(`"${fnId(workers.find((worker) => worker.queue === 'sync')!.id)}"`);
  });
});

describe('auto-sync and back-pressure', () => {
  it('ticks the scheduler every 15 minutes from an EventBridge rule', () => {
    const job = scheduled.find((row) => row.id === autoSyncSchedulerId)!;
    expect(job.everyMinutes).toBe(15);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId(autoSyncSchedulerId), 'Arn'] }, RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }) })],
    });
  });

  it('lets the scheduler lease due connections (conditional UpdateItem on the table) and send to the sync queue only', () => {
    const statements = statementsOf(template, stack, stack.functions.get(autoSyncSchedulerId)!);
    const tableStatements = statementsOn(statements, logicalIdOf(stack.table));
    expect(actionsOf(tableStatements)).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:UpdateItem']));
    const sendTargets = statements.filter((statement) => actionsOf([statement]).includes('sqs:SendMessage'));
    expect(sendTargets.map((statement) => JSON.stringify(statement.Resource))).toEqual([
      JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(stack.queues.sync.queue), 'Arn'] }),
    ]);
  });

  it('bounds the sync worker with the catalog maximum concurrency, and lets it delay a failed message (ChangeMessageVisibility)', () => {
    const worker = workers.find((row) => row.queue === 'sync')!;
    expect(worker.maxConcurrency).toBe(10);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId(worker.id) },
      ScalingConfig: { MaximumConcurrency: worker.maxConcurrency },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const onQueue = statementsOn(statementsOf(template, stack, stack.functions.get(worker.id)!), logicalIdOf(stack.queues.sync.queue));
    expect(actionsOf(onQueue)).toEqual(
      expect.arrayContaining(['sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']),
    );
  });
});

describe('production settings', () => {
  it('traces every function with X-Ray and keeps every log group for a limited time', () => {
    template.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup')) as { Properties: { RetentionInDays?: number } }[];
    expect(logGroups.length).toBeGreaterThan(stack.functions.size);
    for (const group of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('throttles the API and writes JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"request_id"') },
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('reserves no concurrency (the event source maximum bounds the workers), so it deploys into accounts with the default limit', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as { Properties: Record<string, unknown> }[];
    for (const fn of functions) expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    expect(findings).toEqual([]);
  });
});

describe('metric names', () => {
  it('are all emitted somewhere in functions/ or shared/, so no alarm or chart watches a metric nobody publishes', () => {
    const sources = ['functions', 'shared'].flatMap((folder) => sourceFiles(join(projectRoot, folder)));
    const text = sources.filter((file) => !file.endsWith('metric-names.ts')).map((file) => readFileSync(file, 'utf8')).join('\n');
    for (const [key, name] of Object.entries(metricNames)) {
      expect(text.includes(`'${name}'`) || text.includes(`metricNames.${key}`), `${name} is emitted`).toBe(true);
    }
  });
});

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}
