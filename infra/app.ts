/**
 * CDK entry point (`cdk.json` runs it with tsx). Synthesizes the one stack of the service without touching AWS:
 * no account, region or lookups are needed, so `npx cdk synth` works offline and in CI without credentials.
 *
 * Context `nag=true` also runs the cdk-nag AwsSolutions checks during synth (the infra tests always do).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BankingStack } from './banking-stack';
import { readDeploymentSettings } from './constructs/deployment-settings';

const app = new App();
const { prefix } = readDeploymentSettings(app.node);

new BankingStack(app, 'OpenBanking', {
  // One stack per prefix, so two deployments (say `open-banking` and `open-banking-staging`) can share an account.
  stackName: `${prefix}-backend`,
});

if (String(app.node.tryGetContext('nag')) === 'true') {
  // cdk-nag v3 runs as a CDK policy-validation plugin: any unacknowledged finding fails the synth and the
  // report lands in cdk.out/policy-validation-report.json.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

app.synth();
