/**
 * Small readers over a synthesized template, shared by the stack tests: which statements a function's role
 * holds, which environment it gets, where its bundle was staged.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { BankingFunction } from '../../infra/constructs/banking-function';

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

interface ResourceJson {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/** A fresh cloud-assembly directory per synth, so parallel test files never share bundling output. */
export function temporaryOutdir(): string {
  return mkdtempSync(join(tmpdir(), 'banking-cdk-'));
}

export function functionLogicalId(stack: Stack, fn: BankingFunction): string {
  return stack.getLogicalId(fn.function.node.defaultChild as CfnFunction);
}

export function roleLogicalId(stack: Stack, fn: BankingFunction): string {
  return stack.getLogicalId(fn.role.node.defaultChild as CfnRole);
}

export function functionResource(template: Template, stack: Stack, fn: BankingFunction): ResourceJson {
  const resources = template.toJSON().Resources as Record<string, ResourceJson>;
  const resource = resources[functionLogicalId(stack, fn)];
  if (!resource) throw new Error(`no Lambda resource for ${fn.node.path}`);
  return resource;
}

export function environmentOf(template: Template, stack: Stack, fn: BankingFunction): Record<string, unknown> {
  const properties = functionResource(template, stack, fn).Properties;
  return ((properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
}

/** Every Allow statement of every IAM policy attached to the function's role. */
export function statementsOf(template: Template, stack: Stack, fn: BankingFunction): PolicyStatementJson[] {
  const roleId = roleLogicalId(stack, fn);
  const policies = template.findResources('AWS::IAM::Policy') as Record<string, ResourceJson>;
  return Object.values(policies)
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement)
    .filter((statement) => statement.Effect === 'Allow');
}

export function actionsOf(statements: readonly PolicyStatementJson[]): string[] {
  return statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
}

/** Statements whose resources mention the given logical id (via Ref or Fn::GetAtt). */
export function statementsOn(statements: readonly PolicyStatementJson[], logicalId: string): PolicyStatementJson[] {
  return statements.filter((statement) => JSON.stringify(statement.Resource).includes(`"${logicalId}"`));
}

export interface NagFinding {
  readonly rule: string;
  readonly severity: string;
  readonly paths: readonly string[];
}

/**
 * Runs the cdk-nag AwsSolutions pack over the stack. cdk-nag 3 is a CDK policy-validation plugin: findings are
 * returned from `validateScope` (acknowledged ones are already left out) instead of being added as
 * annotations, so this is what "no unsuppressed cdk-nag error" means for it.
 */
export function awsSolutionsFindings(stack: Stack): NagFinding[] {
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
  return report.violations.map((violation) => ({
    rule: violation.ruleName,
    severity: violation.severity ?? 'error',
    paths: violation.violatingResources.map((resource) => resource.constructPath ?? resource.resourceLogicalId ?? '?'),
  }));
}
