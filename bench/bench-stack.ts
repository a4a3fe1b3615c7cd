/**
 * The offline stack the benchmark runs on, all of it private to the run: a moto server of its own on a
 * dedicated port (never the shared 4566, whose other users would both slow it down and be slowed down),
 * a fresh resource prefix, the Plaid sandbox and, when the checkout has one, the Pluggy sandbox, each on a
 * free port. `stop()` takes everything down again and is safe to call twice.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { startLocalAws, type LocalAwsEndpoint } from '../local/aws/moto';
import { provisionLocalAws, type LocalAwsEnvironment } from '../local/aws/provision';
import { startPlaidSandbox, type PlaidSandbox } from '../local/sandboxes/plaid/plaid-sandbox';
import type { PluggySandbox } from '../local/sandboxes/pluggy/pluggy-sandbox';
import { AwsRequestCounter } from './aws-request-counter';
import type { Progress } from './bench-context';

export interface BenchStack {
  readonly awsEndpoint: string;
  readonly prefix: string;
  readonly awsEnv: LocalAwsEnvironment;
  readonly plaid: PlaidSandbox;
  readonly pluggy: PluggySandbox | null;
  /** Everything a function of this stack reads from its environment (AWS resources, provider URLs). */
  readonly functionEnv: Record<string, string>;
  readonly counter: AwsRequestCounter;
  stop(): Promise<void>;
}

/**
 * Configuration of an SDK client of the benchmark's own, whose requests the request counter does not see
 * (it counts only the service's process-wide clients): preparing data, reading rows back, baselines.
 */
export function uncountedClientConfig(stack: BenchStack): {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return {
    region: stack.awsEnv.AWS_REGION,
    endpoint: stack.awsEndpoint,
    credentials: { accessKeyId: stack.awsEnv.AWS_ACCESS_KEY_ID, secretAccessKey: stack.awsEnv.AWS_SECRET_ACCESS_KEY },
  };
}

const DEFAULT_MOTO_PORT = 4621;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** `BENCH_MOTO_PORT` (default 4621), or the next free port above it: the bench never shares a moto server. */
async function freeMotoPort(): Promise<number> {
  const first = Number(process.env.BENCH_MOTO_PORT ?? DEFAULT_MOTO_PORT);
  if (!Number.isInteger(first) || first < 1024 || first > 65_000) throw new Error(`BENCH_MOTO_PORT must be a port number, got ${process.env.BENCH_MOTO_PORT}`);
  for (let port = first; port < first + 30; port++) {
    if (await portIsFree(port)) return port;
  }
  throw new Error(`No free port for the benchmark's moto server in ${first}-${first + 29}`);
}

async function startPluggyIfPresent(progress: Progress): Promise<PluggySandbox | null> {
  try {
    const { startPluggySandbox } = await import('../local/sandboxes/pluggy/pluggy-sandbox');
    return await startPluggySandbox({ port: 0, webhookRetryDelaysMs: [200] });
  } catch (error) {
    progress(`no Pluggy sandbox (${error instanceof Error ? error.message : String(error)}); Pluggy figures are skipped`);
    return null;
  }
}

export async function startBenchStack(progress: Progress): Promise<BenchStack> {
  const port = await freeMotoPort();
  // Without AWS_ENDPOINT_URL, startLocalAws starts (and later stops) a server of its own on the port.
  const motoEnv = { ...process.env };
  delete motoEnv.AWS_ENDPOINT_URL;
  let aws: LocalAwsEndpoint | undefined;
  let plaid: PlaidSandbox | undefined;
  let pluggy: PluggySandbox | null = null;
  const stopAll = async () => {
    await Promise.allSettled([plaid?.stop(), pluggy?.stop()]);
    await aws?.stop();
  };
  try {
    aws = await startLocalAws({ address: { host: '127.0.0.1', port }, env: motoEnv, log: (line) => progress(`local-aws: ${line}`) });
    if (!aws.startedHere) throw new Error(`moto on port ${port} was already running; the benchmark needs a server of its own`);
    const prefix = `bench-${randomBytes(3).toString('hex')}`;
    const awsEnv = await provisionLocalAws({ endpoint: aws.endpoint, prefix });
    plaid = await startPlaidSandbox({ port: 0, webhookRetryDelaysMs: [200] });
    pluggy = await startPluggyIfPresent(progress);
    const functionEnv: Record<string, string> = {
      ...awsEnv,
      PLAID_ENV: 'local',
      PLAID_LOCAL_BASE_URL: plaid.url,
      ...(pluggy ? { PLUGGY_BASE_URL: pluggy.url } : {}),
      POWERTOOLS_SERVICE_NAME: prefix,
      POWERTOOLS_METRICS_NAMESPACE: prefix,
    };
    progress(`stack up: moto ${aws.endpoint} (prefix ${prefix}), Plaid sandbox ${plaid.url}${pluggy ? `, Pluggy sandbox ${pluggy.url}` : ''}`);
    let stopped = false;
    const stack: BenchStack = {
      awsEndpoint: aws.endpoint,
      prefix,
      awsEnv,
      plaid,
      pluggy,
      functionEnv,
      counter: new AwsRequestCounter(),
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
      },
    };
    return stack;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Puts the stack's configuration into this process's environment (the composition roots read it on first
 * use, as a Lambda reads its own) and attaches the request counter to the process-wide SDK clients.
 * Call before anything imports a wiring module.
 */
export async function useStackInThisProcess(stack: BenchStack): Promise<void> {
  Object.assign(process.env, stack.functionEnv, {
    // Handler logs would drown the progress lines; metrics are not emitted offline.
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    // The local runtime's function timeouts, stretched for the emulator (local/workers/lambda-runtime.ts).
    LOCAL_TIMEOUT_MULTIPLIER: '4',
  });
  const clients = await import('../shared/adapters/aws-clients');
  stack.counter.attach(clients.dynamoDocumentClient());
  stack.counter.attach(clients.kmsClient());
  stack.counter.attach(clients.sqsClient());
  stack.counter.attach(clients.secretsManagerClient());
  stack.counter.attach(clients.eventBridgeClient());
}
