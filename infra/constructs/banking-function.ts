/**
 * One Lambda function of the service, built the same way for every route, worker and scheduled job: local
 * esbuild bundle (ESM, minified, source maps), nodejs22.x on arm64, X-Ray active tracing, its own log group
 * with a retention period, and its own IAM role that starts with nothing but "write to my log group".
 *
 * A role per function (instead of the shared `AWSLambdaBasicExecutionRole` managed policy) is what lets
 * `function-grants.ts` give each function exactly the table, key, queue and secret permissions its catalog row
 * lists, and nothing another function needs.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root: catalog entries are relative to it, and it holds the lock file esbuild resolves from. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Memory for every function. At 512 MB an arm64 function gets enough CPU share that cold starts of a bundle
 * carrying the AWS SDK stay short; none of the handlers holds large data in memory.
 */
const memorySizeMb = 512;

/**
 * ESM bundles run as `.mjs`, where `require` does not exist. Some dependencies the bundle pulls in are
 * CommonJS and call `require` for Node built-ins (plaid's axios dependency tree does, e.g. `form-data`), which
 * esbuild leaves as a runtime `require` call; defining it from `createRequire` keeps those working.
 * https://esbuild.github.io/api/#format-esm
 */
const esmRequireBanner =
  "import { createRequire as __bankingCreateRequire } from 'node:module';" +
  'const require = __bankingCreateRequire(import.meta.url);';

export interface BankingFunctionProps {
  /** Handler module relative to the project root; must export `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  readonly environment: Readonly<Record<string, string>>;
}

export class BankingFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: BankingFunctionProps) {
    super(scope, id);

    const entry = resolve(projectRoot, props.entry);
    if (!existsSync(entry)) {
      throw new Error(`Function ${id}: entry ${props.entry} does not exist (catalog entries are relative to ${projectRoot})`);
    }
    assertLocalEsbuild();

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}: only the grants its catalog row lists`,
    });

    // Kept when the stack is deleted so the last weeks of logs stay readable for an investigation; the
    // retention period still expires every event.
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      description: props.description.slice(0, 256),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: memorySizeMb,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      projectRoot,
      depsLockFilePath: resolve(projectRoot, 'package-lock.json'),
      environment: { ...props.environment },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        // Prefer packages' ES module builds so esbuild can tree-shake them.
        mainFields: ['module', 'main'],
        banner: esmRequireBanner,
        minify: true,
        // No source maps: errors are logged as name, message and code, never as a stack
        // (shared/observability/logger.ts), so a map would serve no log line, while Node parses the whole map
        // of a bundle when it loads it under --enable-source-maps, on every cold start.
        sourceMap: false,
        // The SDK v3 copy in the Lambda runtime changes without notice; bundling the versions package-lock.json
        // pins keeps deployed behaviour identical to the tested one (and tree-shaking keeps it small).
        bundleAwsSDK: true,
        externalModules: [],
      },
    });

    // cdk-nag acknowledgements (https://github.com/cdklabs/cdk-nag#acknowledging-a-rule); each names the one
    // finding it covers, and the role's acknowledgement also covers its DefaultPolicy child.
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The runtime is fixed to nodejs22.x: the bundles target node22 and the test ' +
        'suite runs on that major; moving to a newer runtime is a deliberate, tested upgrade, not a lint fix.',
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level ' +
        'permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html), so ' +
        'the statement CDK adds for Tracing.ACTIVE must use Resource "*". Every other statement of the role names ' +
        'its resource.',
    });
  }
}

let esbuildChecked = false;

/**
 * NodejsFunction silently falls back to Docker when it cannot find esbuild. This project never bundles in
 * Docker (CI and laptops have none), so a missing esbuild is reported as what it is.
 */
function assertLocalEsbuild(): void {
  if (esbuildChecked) return;
  try {
    createRequire(resolve(projectRoot, 'package.json')).resolve('esbuild');
  } catch {
    throw new Error('esbuild is not installed in node_modules; run `npm ci` (functions are bundled locally, never in Docker)');
  }
  esbuildChecked = true;
}
