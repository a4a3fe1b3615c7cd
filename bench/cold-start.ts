/**
 * Cold start of every function bundle: bundled exactly as the CDK stack bundles it, then loaded and invoked
 * once by a fresh `node` process, N times each, against two baselines bundled the same way: a "hello"
 * handler (what any Node.js Lambda pays) and a bundle that only imports and constructs the SDK clients the
 * function's bundle contains (the floor our own code adds to).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { buildHttpApiEvent } from '../local/gateway/http-api-event';
import { notFoundRoute, routes, scheduled, workers, type Grant, type HttpMethod } from '../infra/catalog/routes';
import { median, percentile, ratio, round } from './stats';
import { benchRoot, projectRoot, trackChild, workDir, type Progress } from './bench-context';
import { requestWaves, startAwsRequestRecorder, type RecordedRequest } from './aws-request-recorder';

/**
 * The bundling options of `infra/constructs/banking-function.ts` (NodejsFunction `bundling`), as esbuild
 * API options: see `buildEsbuildArgs` in aws-cdk-lib/aws-lambda-nodejs/lib/bundling.js for the mapping
 * (format, target, platform, outfile `index.mjs`, minify, no source map, banner, main-fields;
 * no externals because `bundleAwsSDK: true` and `externalModules: []`). {@link assertSameBundlingAsStack}
 * fails the run if the construct's options drift from these.
 */
export const esmRequireBanner =
  "import { createRequire as __bankingCreateRequire } from 'node:module';" +
  'const require = __bankingCreateRequire(import.meta.url);';

export const stackBundlingOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: { js: esmRequireBanner },
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
};

/** The construct's source must still say what {@link stackBundlingOptions} assumes. */
export function assertSameBundlingAsStack(): void {
  const source = readFileSync(path.join(projectRoot, 'infra', 'constructs', 'banking-function.ts'), 'utf8');
  const expectations = [
    'format: OutputFormat.ESM',
    "target: 'node22'",
    "mainFields: ['module', 'main']",
    'banner: esmRequireBanner',
    'minify: true',
    'sourceMap: false',
    'bundleAwsSDK: true',
    'externalModules: []',
    "import { createRequire as __bankingCreateRequire } from 'node:module';",
    'const require = __bankingCreateRequire(import.meta.url);',
  ];
  const missing = expectations.filter((expected) => !source.includes(expected));
  // The stack sets no NODE_OPTIONS (the runners run without any either, see measureColdStarts).
  if (source.includes('NODE_OPTIONS')) missing.push('no NODE_OPTIONS');
  if (missing.length > 0) {
    throw new Error(
      `infra/constructs/banking-function.ts no longer bundles as bench/cold-start.ts assumes (missing: ${missing.join(' | ')}); update stackBundlingOptions`,
    );
  }
}

/**
 * Packages whose presence in a bundle decides its SDK baseline, with the code that loads each one. `construct`
 * gets the client configuration as source text: `{}` in the SDK-only baselines, the endpoint and region in a
 * baseline that sends requests (as `shared/adapters/aws-clients.ts` configures the functions' clients).
 */
const sdkPackages = {
  '@aws-sdk/client-dynamodb': {
    imports: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    construct: (config: string) => `new DynamoDBClient(${config})`,
  },
  '@aws-sdk/lib-dynamodb': {
    imports: "import { DynamoDBClient as DocumentBase } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    construct: (config: string) => `DynamoDBDocumentClient.from(new DocumentBase(${config}))`,
  },
  '@aws-sdk/client-kms': { imports: "import { KMSClient } from '@aws-sdk/client-kms';", construct: (config: string) => `new KMSClient(${config})` },
  '@aws-sdk/client-sqs': { imports: "import { SQSClient } from '@aws-sdk/client-sqs';", construct: (config: string) => `new SQSClient(${config})` },
  '@aws-sdk/client-secrets-manager': {
    imports: "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
    construct: (config: string) => `new SecretsManagerClient(${config})`,
  },
  // The outbox publisher's client (shared/adapters/eventbridge); without it here, a function that publishes
  // app events would be compared with a baseline that lacks one of the SDK clients its bundle contains.
  '@aws-sdk/client-eventbridge': {
    imports: "import { EventBridgeClient } from '@aws-sdk/client-eventbridge';",
    construct: (config: string) => `new EventBridgeClient(${config})`,
  },
  plaid: {
    imports: "import { Configuration, PlaidApi } from 'plaid';",
    construct: () => "new PlaidApi(new Configuration({ basePath: 'https://sandbox.plaid.com' }))",
  },
  undici: { imports: "import { Agent } from 'undici';", construct: () => 'new Agent()' },
} as const;

export type SdkPackage = keyof typeof sdkPackages;
const sdkPackageNames = Object.keys(sdkPackages) as SdkPackage[];

const shortSdkName: Record<SdkPackage, string> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'lib-dynamodb',
  '@aws-sdk/client-kms': 'kms',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-secrets-manager': 'secrets-manager',
  '@aws-sdk/client-eventbridge': 'eventbridge',
  plaid: 'plaid',
  undici: 'undici',
};

export interface FunctionUnderTest {
  readonly id: string;
  readonly entry: string;
  readonly kind: 'route' | 'worker' | 'scheduled' | 'fallback';
  readonly grants: readonly Grant[];
  /** The invocation the runner sends (see {@link invocationEvent}). */
  readonly event: unknown;
  /** What the event is, for the report. */
  readonly eventDescription: string;
}

interface BundleInfo {
  readonly bytes: number;
  readonly sourceMapBytes: number;
  readonly packages: readonly SdkPackage[];
  /** Output bytes coming from `node_modules/plaid/` (the SDK's own code, without axios). */
  readonly plaidBytes: number;
  readonly file: string;
}

export interface ColdStartRow {
  readonly id: string;
  readonly kind: FunctionUnderTest['kind'];
  readonly event: string;
  readonly outcome: string;
  readonly bundleBytes: number;
  readonly sourceMapBytes: number;
  readonly sdk: readonly string[];
  readonly sdkBaseline: string;
  readonly containsPlaid: boolean;
  /** Holds the Plaid secret grant, i.e. talks to Plaid. */
  readonly callsPlaid: boolean;
  /** Clients in the bundle that none of the function's grants lets it use: load time spent for nothing. */
  readonly clientsWithoutGrant: readonly string[];
  readonly plaidBytes: number;
  readonly medianMs: number;
  readonly medianLoadMs: number;
  readonly medianInvokeMs: number;
  readonly vsHello: number;
  /** Median of the paired ratios: each run of this function over the run of its SDK-only bundle next to it. */
  readonly vsSdkBaseline: number;
  /**
   * How much {@link vsSdkBaseline} moves from pair to pair: the 25th and 75th percentile of the paired ratios
   * (this function's run over the baseline run right next to it). A wide range means the machine was busy
   * and the median ratio is less certain than its two digits suggest.
   */
  readonly vsSdkBaselineSpread: { readonly p25: number; readonly p75: number };
  /** 25th and 75th percentile of this function's cold starts. */
  readonly spreadMs: { readonly p25: number; readonly p75: number };
  /** Milliseconds above the SDK-only bundle (median of the paired differences): what our own code adds. */
  readonly aboveSdkBaselineMs: number;
  /** The plain SDK-only baseline (clients constructed, no request sent); `sdkBaseline` when no requests were recorded. */
  readonly sdkOnlyBaseline: string;
  /** Median paired ratio to the plain SDK-only baseline (the same as `vsSdkBaseline` without recorded requests). */
  readonly vsSdkOnlyBaseline: number;
  /** Median paired ratio of the time to load the bundle (import, before the first invoke) to the plain SDK-only baseline's. */
  readonly loadVsSdkOnlyBaseline: number;
  /**
   * The AWS requests the function's first answer sent (recorded on the wire, see bench/aws-request-recorder.ts),
   * which its requests baseline (`sdkBaseline`) sends too; null when it sent none.
   */
  readonly firstAnswerRequests: {
    readonly count: number;
    /** Requests per wave: sent together, each wave after the previous one was answered. */
    readonly waves: readonly number[];
    /** `<client>.<operation>` → how many. */
    readonly operations: Readonly<Record<string, number>>;
    /** Replayed requests the service refused (conditional writes whose condition a later run made false). */
    readonly refusedInReplay: number;
  } | null;
}

interface RequestBaseline {
  readonly name: string;
  readonly info: BundleInfo;
  readonly requests: readonly RecordedRequest[];
  readonly waves: readonly (readonly RecordedRequest[])[];
  readonly refusedInReplay: number;
}

function operationCounts(requests: readonly RecordedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of requests) {
    const key = `${shortSdkName[request.clientPackage]}.${request.operation}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export interface BaselineRow {
  readonly name: string;
  readonly sdk: readonly string[];
  readonly bundleBytes: number;
  readonly medianMs: number;
  readonly medianLoadMs: number;
  /** 25th and 75th percentile of this baseline's cold starts. */
  readonly spreadMs: { readonly p25: number; readonly p75: number };
  readonly vsHello: number;
  /** Set on a requests baseline: the function whose first answer's requests it sends. */
  readonly requestsOf?: string;
}

export interface ColdStartResult {
  /** Measured runs per bundle: the pairs each function's ratio is the median of. */
  readonly runsPerBundle: number;
  /** The CPUs the runs were pinned to, one stream of rounds per CPU; empty when they could not be pinned. */
  readonly cpus: readonly number[];
  readonly nodeVersion: string;
  readonly hello: BaselineRow;
  readonly baselines: readonly BaselineRow[];
  readonly functions: readonly ColdStartRow[];
  /** What the `plaid` SDK costs on its own: plaid-only bundle vs hello, and within SDK baselines. */
  readonly plaid: {
    readonly bundleBytesAboveHello: number;
    readonly loadMsAboveHello: number;
    readonly sdkBaselinePairs: readonly { withPlaid: string; withoutPlaid: string; extraMs: number }[];
    readonly functionsWithPlaid: readonly string[];
    /** Functions that contain the SDK without holding the Plaid grant: each is a finding. */
    readonly unexpected: readonly string[];
    /** Functions that hold the Plaid grant but do not contain the SDK (fine, noted for completeness). */
    readonly grantWithoutSdk: readonly string[];
  };
  readonly totals: { readonly bundlingSeconds: number; readonly measuringSeconds: number };
}

const placeholderIds: Record<string, string> = {
  connectionId: 'conn_bench0000000000000000000',
  accountId: 'acct_bench0000000000000000000',
  transactionId: 'txn_bench00000000000000000000',
  categoryId: 'cat_bench00000000000000000000',
};

/** An HTTP API payload 2.0 event for a route, without JWT claims: the handler answers 401 (or 400) at once. */
function routeEvent(method: HttpMethod, pathTemplate: string, routeKey: string): unknown {
  const pathParameters: Record<string, string> = {};
  const target = pathTemplate.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = placeholderIds[name] ?? `${name}-bench`;
    pathParameters[name] = value;
    return value;
  });
  const hasBody = method === 'POST' || method === 'PATCH';
  return buildHttpApiEvent(
    {
      method,
      target,
      rawHeaders: ['host', 'api.bench.local', 'user-agent', 'bench', ...(hasBody ? ['content-type', 'application/json'] : [])],
      httpVersion: '1.1',
      sourceIp: '127.0.0.1',
      localPort: 443,
      body: Buffer.from(hasBody ? '{}' : ''),
      receivedAt: new Date(),
    },
    { routeKey, ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}) },
    'bench-cold-start',
  );
}

export function catalogFunctions(): FunctionUnderTest[] {
  const functions: FunctionUnderTest[] = routes.map((route) => ({
    id: route.id,
    entry: route.entry,
    kind: 'route' as const,
    grants: route.grants,
    event: routeEvent(route.method, route.path, `${route.method} ${route.path}`),
    eventDescription:
      route.auth === 'user'
        ? `${route.method} without JWT claims`
        : route.path.includes('/webhooks/')
          ? `${route.method} unsigned body`
          : `${route.method}`,
  }));
  functions.push({
    id: notFoundRoute.id,
    entry: notFoundRoute.entry,
    kind: 'fallback',
    grants: notFoundRoute.grants,
    event: routeEvent('GET', '/api/v1/no-such-route', '$default'),
    eventDescription: 'GET unknown path',
  });
  for (const worker of workers) {
    functions.push({
      id: worker.id,
      entry: worker.entry,
      kind: 'worker',
      // The event source mapping lets a worker consume its own queue (receive, delete, change visibility).
      grants: [...worker.grants, `queue:${worker.queue}`],
      event: { Records: [] },
      eventDescription: 'empty SQS batch',
    });
  }
  for (const job of scheduled) {
    functions.push({
      id: job.id,
      entry: job.entry,
      kind: 'scheduled',
      grants: job.grants,
      event: {
        version: '0',
        id: '7bf73129-1428-4cd3-a780-95db273d1602',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '123456789012',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: ['arn:aws:events:us-east-1:123456789012:rule/bench'],
        detail: {},
      },
      eventDescription: 'scheduled event (queries the empty due index)',
    });
  }
  return functions;
}

/** Output bytes each package contributes. `metafile.inputs` also lists files esbuild parsed and then
 * tree-shook away entirely, so presence is decided by what reached the output. */
function outputBytesOf(metafile: Metafile, packageName: string): number {
  let bytes = 0;
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, contribution] of Object.entries(output.inputs)) {
      if (input.includes(`node_modules/${packageName}/`)) bytes += contribution.bytesInOutput;
    }
  }
  return bytes;
}

function packagesIn(metafile: Metafile): SdkPackage[] {
  return sdkPackageNames.filter((name) => outputBytesOf(metafile, name) > 0);
}

async function bundle(entry: string, outDir: string): Promise<BundleInfo> {
  mkdirSync(outDir, { recursive: true });
  const outfile = path.join(outDir, 'index.mjs');
  // A map left by an earlier run (bench/.work is reused) must not be counted as this bundle's.
  rmSync(`${outfile}.map`, { force: true });
  const result = await build({ ...stackBundlingOptions, entryPoints: [entry], outfile, absWorkingDir: projectRoot, metafile: true });
  const metafile = result.metafile!;
  return {
    bytes: statSync(outfile).size,
    sourceMapBytes: existsSync(`${outfile}.map`) ? statSync(`${outfile}.map`).size : 0,
    packages: packagesIn(metafile),
    plaidBytes: outputBytesOf(metafile, 'plaid'),
    file: outfile,
  };
}

/** The grants (by prefix) any one of which lets a function use a package's client. */
const grantNeededBy: Record<SdkPackage, readonly string[]> = {
  '@aws-sdk/client-dynamodb': ['table:'],
  '@aws-sdk/lib-dynamodb': ['table:'],
  // `apiKeyCache:pluggy` is KMS Encrypt and Decrypt of the cached Pluggy API key (infra/catalog/routes.ts).
  '@aws-sdk/client-kms': ['tokens:', 'apiKeyCache:'],
  // `events:publish` includes sending to the app-webhook delivery queue (infra/constructs/function-grants.ts).
  '@aws-sdk/client-sqs': ['queue:', 'events:publish'],
  '@aws-sdk/client-secrets-manager': ['secret:'],
  '@aws-sdk/client-eventbridge': ['events:publish'],
  plaid: ['secret:plaid'],
  // The Pluggy client is the only user of undici.
  undici: ['secret:pluggy'],
};

function clientsWithoutGrant(packages: readonly SdkPackage[], grants: readonly Grant[]): string[] {
  return packages.filter((name) => !grants.some((grant) => grantNeededBy[name].some((prefix) => grant.startsWith(prefix)))).map((name) => shortSdkName[name]);
}

/**
 * Functions that bundle an SDK client none of their catalog grants lets them use: they load that client for
 * nothing (their composition root wires more than their use-case calls). `bench/run.ts` fails the run on
 * any, after writing the results, naming each one.
 */
export function ungrantedClients(result: ColdStartResult): string[] {
  return result.functions.filter((row) => row.clientsWithoutGrant.length > 0).map((row) => `${row.id} carries ${row.clientsWithoutGrant.join(', ')}`);
}

function baselineName(packages: readonly SdkPackage[]): string {
  return packages.length === 0 ? 'hello' : `sdk:${packages.map((name) => shortSdkName[name]).join('+')}`;
}

/** Writes the entry of a baseline bundle: the clients constructed at module scope, like ours, and a no-op handler. */
function writeBaselineEntry(dir: string, packages: readonly SdkPackage[]): string {
  mkdirSync(dir, { recursive: true });
  const imports = packages.map((name) => sdkPackages[name].imports).join('\n');
  const constructed = packages.map((name) => sdkPackages[name].construct('{}'));
  const source = [
    imports,
    `const clients = [${constructed.join(', ')}];`,
    'export const handler = async () => ({ statusCode: 200, body: `hello ${clients.length}` });',
    '',
  ].join('\n');
  const file = path.join(dir, 'entry.mjs');
  writeFileSync(file, source);
  return file;
}

/** `sdk:<clients>+requests(<n>)`: the SDK-only baseline that also sends the `n` requests a function's first answer sent. */
export function requestsBaselineName(packages: readonly SdkPackage[], requests: number): string {
  return `${baselineName(packages)}+requests(${requests})`;
}

/**
 * Writes the entry of a requests baseline: the SDK-only baseline's clients, configured with the endpoint and
 * region the functions' clients get (`shared/adapters/aws-clients.ts`), and a handler that sends the recorded
 * requests with the command classes of those same client packages, wave by wave as the function sent them
 * ({@link requestWaves}), and answers when the last one is answered. The recorded bodies are the JSON
 * protocols' input, which is the low-level command's input (DynamoDB attribute values included), so
 * DynamoDB requests go through `@aws-sdk/client-dynamodb`'s client without the document client's
 * marshalling: the baseline does no more than the function did. A request refused by the service (a
 * conditional write whose condition a later run made false) still counts as sent and answered.
 */
export function writeRequestsBaselineEntry(dir: string, packages: readonly SdkPackage[], waves: readonly (readonly RecordedRequest[])[]): string {
  mkdirSync(dir, { recursive: true });
  const used = [...new Set(waves.flat().map((request) => request.clientPackage))];
  const withSenders: SdkPackage[] = [...packages];
  for (const clientPackage of used) if (!withSenders.includes(clientPackage)) withSenders.push(clientPackage);
  const commandAlias = (request: RecordedRequest) => `${shortSdkName[request.clientPackage].replace(/-/g, '_')}_${request.operation}Command`;
  const commandImports = used.map((clientPackage) => {
    const operations = [...new Set(waves.flat().filter((request) => request.clientPackage === clientPackage).map((request) => request.operation))];
    const names = operations.map((operation) => `${operation}Command as ${shortSdkName[clientPackage].replace(/-/g, '_')}_${operation}Command`);
    return `import { ${names.join(', ')} } from '${clientPackage}';`;
  });
  const clientVariable = (clientPackage: SdkPackage) => `client${withSenders.indexOf(clientPackage)}`;
  const source = [
    ...withSenders.map((name) => sdkPackages[name].imports),
    ...commandImports,
    "const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';",
    'const config = process.env.AWS_ENDPOINT_URL ? { region, endpoint: process.env.AWS_ENDPOINT_URL } : { region };',
    ...withSenders.map((name, index) => `const client${index} = ${sdkPackages[name].construct('config')};`),
    `const clients = [${withSenders.map((_, index) => `client${index}`).join(', ')}];`,
    'const waves = [',
    ...waves.map(
      (wave) =>
        `  [${wave.map((request) => `[${clientVariable(request.clientPackage)}, ${commandAlias(request)}, ${JSON.stringify(request.input)}]`).join(', ')}],`,
    ),
    '];',
    'export const handler = async () => {',
    '  let refused = 0;',
    '  for (const wave of waves) {',
    '    await Promise.all(wave.map(([client, Command, input]) => client.send(new Command(input)).catch(() => { refused += 1; })));',
    '  }',
    '  return { statusCode: 200, body: `${clients.length} clients, ${refused} requests refused` };',
    '};',
    '',
  ].join('\n');
  const file = path.join(dir, 'entry.mjs');
  writeFileSync(file, source);
  return file;
}

interface RunTiming {
  readonly loadedMs: number;
  readonly answeredMs: number;
  readonly invokeMs: number;
  readonly outcome: string;
}

const RUN_TIMEOUT_MS = 30_000;
const runnerScript = path.join(benchRoot, 'cold-start-runner.mjs');

/**
 * The CPUs to pin cold starts to, one stream of rounds each: at most two of those this process may run on
 * (`taskset -cp`, util-linux), none where `taskset` is missing (the runs are then not pinned, one at a time).
 *
 * Pinned, a run has one CPU for all of its threads, as a function of 512 MB has less than one vCPU ("At
 * 1,769 MB, a function has the equivalent of one vCPU", https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html):
 * V8's garbage collection and compiler threads take their time from the main thread's CPU instead of a second
 * core. On this 2-core machine it also made the figure steadier: over 50 paired runs of six functions, the
 * median ratio of two pinned streams at once varied by 0.006–0.018 (bootstrap standard deviation) against
 * 0.028–0.046 for unpinned runs one at a time, in a similar time. A bundle against an identical copy of itself,
 * 42 pinned pairs 35 times over, read 0.991–1.012 (standard deviation 0.006), where 21 unpinned pairs had
 * read up to 1.05. Two streams were measured; more would share the memory bus and caches more.
 */
export function coldStartCpus(): number[] {
  const answer = spawnSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' });
  if (answer.error || answer.status !== 0) return [];
  return cpusOfAffinity(answer.stdout).slice(0, 2);
}

/** The CPUs in `taskset -cp`'s answer ("pid 42's current affinity list: 0,2-3" → 0, 2, 3); none if unreadable. */
export function cpusOfAffinity(answer: string): number[] {
  const list = /affinity list:\s*(\d+(?:-\d+)?(?:\s*,\s*\d+(?:-\d+)?)*)\s*$/m.exec(answer)?.[1];
  if (!list) return [];
  return list.split(',').flatMap((part) => {
    const [first, last = first] = part.trim().split('-').map(Number) as [number, number?];
    return Array.from({ length: Math.max(0, last - first + 1) }, (_, offset) => first + offset);
  });
}

function runOnce(bundleFile: string, eventFile: string, env: NodeJS.ProcessEnv, cpu?: number): Promise<RunTiming> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, runnerScript, bundleFile, eventFile];
    // taskset execs node in its own process, so the runner's time origin is still node's start.
    if (cpu !== undefined) command.unshift('taskset', '-c', String(cpu));
    const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('@@bench-cold-start '));
      if (!line) {
        reject(new Error(`cold start of ${bundleFile} printed no timing (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' / ')}`));
        return;
      }
      resolve(JSON.parse(line.slice('@@bench-cold-start '.length)) as RunTiming);
    });
  });
}

interface Target {
  readonly key: string;
  readonly bundleFile: string;
  readonly eventFile: string;
  readonly timings: RunTiming[];
}

/** A small deterministic generator (mulberry32): the run order differs per round but not per run of the bench. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** Runs `limit` tasks at a time. */
async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!);
      }
    }),
  );
  return results;
}

export interface ColdStartOptions {
  readonly runs: number;
  /** Environment of the runner processes: the functions' configuration (table, queues, key, secrets...). */
  readonly functionEnv: Record<string, string>;
  readonly progress: Progress;
  /** Bench only these function ids (development); default all. */
  readonly only?: readonly string[];
}

export async function measureColdStarts(options: ColdStartOptions): Promise<ColdStartResult> {
  assertSameBundlingAsStack();
  const { progress } = options;
  const outRoot = path.join(workDir, 'cold-start');
  const functions = catalogFunctions().filter((fn) => !options.only || options.only.includes(fn.id));

  const bundlingStarted = Date.now();
  progress(`bundling ${functions.length} functions with esbuild (options of infra/constructs/banking-function.ts)`);
  const bundles = await inParallel(functions, 2, (fn) => bundle(path.join(projectRoot, fn.entry), path.join(outRoot, 'functions', fn.id)));

  // Baselines: hello, one SDK-only bundle per distinct client set, and for each set with plaid the same set
  // without it (what plaid adds on top of the AWS clients), plus plaid alone.
  const baselineSets = new Map<string, SdkPackage[]>([['hello', []]]);
  const addSet = (packages: SdkPackage[]) => baselineSets.set(baselineName(packages), packages);
  for (const info of bundles) {
    addSet([...info.packages]);
    if (info.packages.includes('plaid')) addSet(info.packages.filter((name) => name !== 'plaid'));
  }
  addSet(['plaid']);
  const baselineBundles = new Map<string, BundleInfo>();
  await inParallel([...baselineSets.entries()], 2, async ([name, packages]) => {
    const dir = path.join(outRoot, 'baselines', name.replace(/[^a-z0-9+-]/gi, '_'));
    baselineBundles.set(name, await bundle(writeBaselineEntry(path.join(dir, 'src'), packages), dir));
  });
  let bundlingSeconds = (Date.now() - bundlingStarted) / 1000;
  progress(`bundled ${functions.length} functions and ${baselineBundles.size} baselines in ${bundlingSeconds.toFixed(1)} s`);

  const eventDir = path.join(outRoot, 'events');
  mkdirSync(eventDir, { recursive: true });
  const noEvent = path.join(eventDir, 'baseline.json');
  writeFileSync(noEvent, '{}');
  const eventFiles = functions.map((fn) => {
    const eventFile = path.join(eventDir, `${fn.id}.json`);
    writeFileSync(eventFile, JSON.stringify(fn.event));
    return eventFile;
  });
  const runnerEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    TZ: 'UTC',
    ...options.functionEnv,
    // As the stack sets it (banking-function.ts: none); tsx's loader must not leak into the runners either.
    NODE_OPTIONS: '',
  };

  // What each function's first answer asks of AWS: one run per function through a recording proxy in front of
  // this run's moto (bench/aws-request-recorder.ts). A function that sent requests gets a second baseline, the
  // SDK-only bundle that also sends those requests, in the same waves, to the same moto: for it, × SDK-only
  // measures what our code adds, not what the answer needs AWS for. These runs are not measured.
  const requestBaselines = new Map<string, RequestBaseline>();
  const upstream = options.functionEnv.AWS_ENDPOINT_URL;
  if (upstream) {
    const recorder = await startAwsRequestRecorder(upstream);
    try {
      const recordingEnv = { ...runnerEnv, AWS_ENDPOINT_URL: recorder.endpoint };
      for (const [index, fn] of functions.entries()) {
        const requests = await recorder.record(async () => {
          await runOnce(bundles[index]!.file, eventFiles[index]!, recordingEnv);
        });
        if (requests.length === 0) continue;
        const packages = bundles[index]!.packages;
        const waves = requestWaves(requests);
        const name = requestsBaselineName(packages, requests.length);
        const dir = path.join(outRoot, 'baselines', `requests-${fn.id}`);
        const info = await bundle(writeRequestsBaselineEntry(path.join(dir, 'src'), packages, waves), dir);
        // The baseline is checked the same way: it must send what the function sent, wave for wave.
        const replayed = await recorder.record(async () => {
          await runOnce(info.file, noEvent, recordingEnv);
        });
        const shape = (sent: readonly (readonly RecordedRequest[])[]) =>
          sent.map((wave) => wave.map((request) => `${shortSdkName[request.clientPackage]}.${request.operation}`).sort().join(',')).join(' | ');
        if (shape(requestWaves(replayed)) !== shape(waves)) {
          throw new Error(`requests baseline of ${fn.id} sent ${shape(requestWaves(replayed))}, the function ${shape(waves)}`);
        }
        requestBaselines.set(fn.id, {
          name,
          info,
          requests,
          waves,
          refusedInReplay: replayed.filter((request) => request.status >= 400).length,
        });
        progress(`${fn.id}: its first answer sent ${requests.length} AWS requests in ${waves.length} waves (${shape(waves)}); baseline ${name}`);
      }
    } finally {
      await recorder.close();
    }
  }
  bundlingSeconds = (Date.now() - bundlingStarted) / 1000;

  const targets: Target[] = [
    ...functions.map((fn, index) => ({ key: `fn:${fn.id}`, bundleFile: bundles[index]!.file, eventFile: eventFiles[index]!, timings: [] })),
    ...[...baselineBundles.entries()].map(([name, info]) => ({ key: `base:${name}`, bundleFile: info.file, eventFile: noEvent, timings: [] })),
    ...[...requestBaselines.entries()].map(([id, baseline]) => ({ key: `req:${id}`, bundleFile: baseline.info.file, eventFile: noEvent, timings: [] })),
  ];

  // Each function runs right next to a run of its SDK-only baseline (the order of the two is drawn each
  // time), so the pair sees the same moment of a shared, busy machine and their ratio cancels most of it;
  // `vsSdkBaseline` is the median of those paired ratios. A function with a requests baseline runs next to
  // both (the three in a drawn order): `vsSdkBaseline` is then paired with the requests baseline and
  // `vsSdkOnlyBaseline` with the SDK-only one. Baselines no function is compared with (the plaid analysis)
  // run once per round on their own. Rounds run in one stream per CPU of `coldStartCpus()`, pinned to it,
  // each stream taking the next round when it finishes one; a pair always runs within one stream. Each
  // stream's first round is discarded (it warms the file cache), and every round runs its steps in its own
  // seeded order, so no bundle always runs at the same point of a round.
  const targetOf = (key: string) => targets.find((target) => target.key === key)!;
  const comparedWith = new Map(functions.map((fn, index) => [fn.id, `base:${baselineName(bundles[index]!.packages)}`]));
  const pairedBaselineRuns = new Map<string, RunTiming[]>(functions.map((fn) => [fn.id, []]));
  const pairedRequestRuns = new Map<string, RunTiming[]>(functions.map((fn) => [fn.id, []]));
  const used = new Set(comparedWith.values());
  type Step = { readonly fn?: FunctionUnderTest; readonly solo?: Target };
  const steps: Step[] = [
    ...functions.map((fn) => ({ fn })),
    ...targets.filter((target) => target.key.startsWith('base:') && !used.has(target.key)).map((solo) => ({ solo })),
  ];
  const runTarget = (target: Target, cpu: number | undefined) =>
    // A bundle that cannot load or answer is a finding to report, not a reason to lose the other figures.
    runOnce(target.bundleFile, target.eventFile, runnerEnv, cpu).catch(
      (error: unknown): RunTiming => ({
        loadedMs: Number.NaN,
        answeredMs: Number.NaN,
        invokeMs: Number.NaN,
        outcome: `failed: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`,
      }),
    );
  const runRound = async (round: number, cpu: number | undefined, measured: boolean) => {
    const random = seededRandom(0x5eed + round);
    for (const step of shuffled(steps, random)) {
      if (step.solo) {
        const timing = await runTarget(step.solo, cpu);
        if (measured) step.solo.timings.push(timing);
        continue;
      }
      const id = step.fn!.id;
      const group = [targetOf(`fn:${id}`), targetOf(comparedWith.get(id)!), ...(requestBaselines.has(id) ? [targetOf(`req:${id}`)] : [])];
      const timings = new Map<Target, RunTiming>();
      for (const target of shuffled(group, random)) timings.set(target, await runTarget(target, cpu));
      if (!measured) continue;
      // Pushed together, with no await between them, so a function's n-th run and its baselines' n-th runs are a pair.
      for (const [target, timing] of timings) target.timings.push(timing);
      pairedBaselineRuns.get(id)!.push(timings.get(group[1]!)!);
      if (group[2]) pairedRequestRuns.get(id)!.push(timings.get(group[2])!);
    }
  };
  const cpus = coldStartCpus();
  const streams = cpus.length > 0 ? cpus : [undefined];
  const measuringStarted = Date.now();
  let nextRound = 0;
  let roundsDone = 0;
  await Promise.all(
    streams.map(async (cpu, stream) => {
      await runRound(options.runs + stream, cpu, false);
      progress(`cold start warm-up round (discarded) done${cpu === undefined ? '' : ` on CPU ${cpu}`}`);
      while (nextRound < options.runs) {
        await runRound(nextRound++, cpu, true);
        progress(`cold start round ${++roundsDone}/${options.runs}`);
      }
    }),
  );
  const measuringSeconds = (Date.now() - measuringStarted) / 1000;

  const timingsOf = (key: string) => targets.find((target) => target.key === key)!.timings;
  const medianOf = (key: string, field: 'answeredMs' | 'loadedMs' | 'invokeMs') => median(timingsOf(key).map((timing) => timing[field]));
  const helloMs = medianOf('base:hello', 'answeredMs');
  const spreadOf = (key: string) => {
    const answered = timingsOf(key).map((timing) => timing.answeredMs);
    return { p25: round(percentile(answered, 25), 1), p75: round(percentile(answered, 75), 1) };
  };
  const baselineRow = (name: string): BaselineRow => {
    const info = baselineBundles.get(name)!;
    const ms = medianOf(`base:${name}`, 'answeredMs');
    return {
      name,
      sdk: info.packages.map((pkg) => shortSdkName[pkg]),
      bundleBytes: info.bytes,
      medianMs: round(ms, 1),
      medianLoadMs: round(medianOf(`base:${name}`, 'loadedMs'), 1),
      spreadMs: spreadOf(`base:${name}`),
      vsHello: ratio(ms, helloMs),
    };
  };
  const requestBaselineRow = (id: string, baseline: RequestBaseline): BaselineRow => {
    const ms = medianOf(`req:${id}`, 'answeredMs');
    return {
      name: baseline.name,
      sdk: baseline.info.packages.map((pkg) => shortSdkName[pkg]),
      bundleBytes: baseline.info.bytes,
      medianMs: round(ms, 1),
      medianLoadMs: round(medianOf(`req:${id}`, 'loadedMs'), 1),
      spreadMs: spreadOf(`req:${id}`),
      vsHello: ratio(ms, helloMs),
      requestsOf: id,
    };
  };

  const rows: ColdStartRow[] = functions.map((fn, index) => {
    const info = bundles[index]!;
    const ms = medianOf(`fn:${fn.id}`, 'answeredMs');
    const sdkOnlyBaseline = baselineName(info.packages);
    const requestBaseline = requestBaselines.get(fn.id);
    const outcomes = [...new Set(timingsOf(`fn:${fn.id}`).map((timing) => timing.outcome))];
    const fnRuns = timingsOf(`fn:${fn.id}`);
    const sdkOnlyRuns = pairedBaselineRuns.get(fn.id)!;
    const baselineRuns = requestBaseline ? pairedRequestRuns.get(fn.id)! : sdkOnlyRuns;
    const pairedRatios = fnRuns.map((timing, index) => timing.answeredMs / baselineRuns[index]!.answeredMs);
    const pairedDifferences = fnRuns.map((timing, index) => timing.answeredMs - baselineRuns[index]!.answeredMs);
    const sdkOnlyRatios = fnRuns.map((timing, index) => timing.answeredMs / sdkOnlyRuns[index]!.answeredMs);
    const loadRatios = fnRuns.map((timing, index) => timing.loadedMs / sdkOnlyRuns[index]!.loadedMs);
    return {
      id: fn.id,
      kind: fn.kind,
      event: fn.eventDescription,
      outcome: outcomes.join(', '),
      bundleBytes: info.bytes,
      sourceMapBytes: info.sourceMapBytes,
      sdk: info.packages.map((pkg) => shortSdkName[pkg]),
      sdkBaseline: requestBaseline ? requestBaseline.name : sdkOnlyBaseline,
      sdkOnlyBaseline,
      containsPlaid: info.packages.includes('plaid'),
      callsPlaid: fn.grants.includes('secret:plaid'),
      clientsWithoutGrant: clientsWithoutGrant(info.packages, fn.grants),
      plaidBytes: info.plaidBytes,
      medianMs: round(ms, 1),
      medianLoadMs: round(medianOf(`fn:${fn.id}`, 'loadedMs'), 1),
      medianInvokeMs: round(medianOf(`fn:${fn.id}`, 'invokeMs'), 1),
      vsHello: ratio(ms, helloMs),
      vsSdkBaseline: round(median(pairedRatios), 2),
      vsSdkBaselineSpread: { p25: round(percentile(pairedRatios, 25), 2), p75: round(percentile(pairedRatios, 75), 2) },
      vsSdkOnlyBaseline: round(median(sdkOnlyRatios), 2),
      loadVsSdkOnlyBaseline: round(median(loadRatios), 2),
      firstAnswerRequests: requestBaseline
        ? {
            count: requestBaseline.requests.length,
            waves: requestBaseline.waves.map((wave) => wave.length),
            operations: operationCounts(requestBaseline.requests),
            refusedInReplay: requestBaseline.refusedInReplay,
          }
        : null,
      spreadMs: spreadOf(`fn:${fn.id}`),
      aboveSdkBaselineMs: round(median(pairedDifferences), 1),
    };
  });

  const pairs = [...baselineSets.entries()]
    .filter(([, packages]) => packages.includes('plaid') && packages.length > 1)
    .map(([name, packages]) => {
      const without = baselineName(packages.filter((pkg) => pkg !== 'plaid'));
      return {
        withPlaid: name,
        withoutPlaid: without,
        extraMs: round(medianOf(`base:${name}`, 'answeredMs') - medianOf(`base:${without}`, 'answeredMs'), 1),
      };
    });
  const plaidOnly = baselineBundles.get(baselineName(['plaid']))!;
  return {
    runsPerBundle: options.runs,
    cpus,
    nodeVersion: process.version,
    hello: baselineRow('hello'),
    baselines: [
      ...[...baselineBundles.keys()].filter((name) => name !== 'hello').sort().map(baselineRow),
      ...[...requestBaselines.entries()].map(([id, baseline]) => requestBaselineRow(id, baseline)),
    ],
    functions: rows,
    plaid: {
      bundleBytesAboveHello: plaidOnly.bytes - baselineBundles.get('hello')!.bytes,
      loadMsAboveHello: round(medianOf(`base:${baselineName(['plaid'])}`, 'answeredMs') - helloMs, 1),
      sdkBaselinePairs: pairs,
      functionsWithPlaid: rows.filter((row) => row.containsPlaid).map((row) => row.id),
      unexpected: rows.filter((row) => row.containsPlaid && !row.callsPlaid).map((row) => row.id),
      grantWithoutSdk: rows.filter((row) => !row.containsPlaid && row.callsPlaid).map((row) => row.id),
    },
    totals: { bundlingSeconds: round(bundlingSeconds, 1), measuringSeconds: round(measuringSeconds, 1) },
  };
}
