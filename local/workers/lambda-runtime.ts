/**
 * The slice of the Lambda runtime the offline stack needs: load a handler file named by the route/worker
 * catalog, give it a Lambda-shaped `context`, and enforce the function timeout the stack configures.
 *
 * The gateway, the queue poller and the schedule ticker all invoke handlers through {@link invokeHandler},
 * so the three behave alike: init (module import) is not billed against the timeout, exactly as in Lambda
 * where the init phase has its own limit; a handler that runs past its timeout fails the invocation with
 * Lambda's "Task timed out" error even though, in one Node process, its promise cannot be killed.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';

/** Repository root: handler entries in the catalog are relative to it. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** moto's (and LocalStack's) fixed account id; ARNs the emulators hand out carry it too. */
export const LOCAL_ACCOUNT_ID = '123456789012';

/** Lambda's memory setting is irrelevant offline; a plausible value keeps code that logs it realistic. */
const LOCAL_MEMORY_MB = '1024';

export type LambdaHandler = (event: unknown, context: Context) => unknown;

/** A function as the offline runtime sees it: a catalog id, its entry file and its timeout. */
export interface LocalFunction {
  readonly id: string;
  readonly entry: string;
  readonly timeoutSeconds: number;
}

/** Minimal log sink for the offline stack's own messages (handlers log through shared/observability/logger themselves). */
export interface LocalLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLog: LocalLog = {
  info: (message) => console.log(`[local] ${message}`),
  warn: (message) => console.warn(`[local] ${message}`),
  error: (message) => console.error(`[local] ${message}`),
};

export const silentLog: LocalLog = { info: () => {}, warn: () => {}, error: () => {} };

/** Raised when a handler outlives its timeout; the message is Lambda's own wording. */
export class LambdaTimeoutError extends Error {
  constructor(seconds: number) {
    super(`Task timed out after ${seconds.toFixed(2)} seconds`);
    this.name = 'LambdaTimeoutError';
  }
}

export class HandlerLoadError extends Error {
  constructor(entry: string, options?: ErrorOptions) {
    super(`Cannot load handler from ${entry}`, options);
    this.name = 'HandlerLoadError';
  }
}

const loadedHandlers = new Map<string, Promise<LambdaHandler>>();

/**
 * Imports `entry` (relative to `root`) once and returns its `handler` export. The import is cached like a
 * warm Lambda container: module-scope code (config reading, client creation) runs on the first call only.
 * A failed import is not cached, so fixing the file and calling again works without a restart.
 */
export function loadHandler(entry: string, root: string = projectRoot): Promise<LambdaHandler> {
  const absolute = path.resolve(root, entry);
  let loading = loadedHandlers.get(absolute);
  if (!loading) {
    loading = importHandler(entry, absolute);
    loadedHandlers.set(absolute, loading);
    loading.catch(() => loadedHandlers.delete(absolute));
  }
  return loading;
}

async function importHandler(entry: string, absolute: string): Promise<LambdaHandler> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new HandlerLoadError(entry, { cause: error });
  }
  const handler = module.handler;
  if (typeof handler !== 'function') {
    throw new HandlerLoadError(entry, { cause: new Error('the module does not export a function named handler') });
  }
  return handler as LambdaHandler;
}

export function localFunctionName(id: string): string {
  return `local-${id}`;
}

function lambdaContext(fn: LocalFunction, region: string, deadline: number): Context {
  const functionName = localFunctionName(fn.id);
  const unsupported = (): never => {
    throw new Error('context.done/fail/succeed are not supported; return a value or a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: LOCAL_MEMORY_MB,
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/**
 * `LOCAL_TIMEOUT_MULTIPLIER` stretches every function timeout. The emulated AWS services are far slower
 * than the real ones (moto serves DynamoDB one request at a time, in Python), and a test suite on a busy
 * 2-core machine should fail on wrong behaviour, not on a route that needed 11 s instead of 10.
 */
function timeoutMultiplier(): number {
  const value = Number(process.env.LOCAL_TIMEOUT_MULTIPLIER ?? '1');
  return Number.isFinite(value) && value >= 1 ? value : 1;
}

export interface InvokeOptions {
  readonly root?: string;
  readonly region?: string;
}

/**
 * Invokes `fn` with `event` the way Lambda would and resolves with its result. Rejects with the handler's
 * error, a {@link HandlerLoadError}, or a {@link LambdaTimeoutError}.
 */
export async function invokeHandler(fn: LocalFunction, event: unknown, options: InvokeOptions = {}): Promise<unknown> {
  const handler = await loadHandler(fn.entry, options.root);
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const timeoutMs = fn.timeoutSeconds * 1000 * timeoutMultiplier();
  const context = lambdaContext(fn, region, Date.now() + timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(fn.timeoutSeconds)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => handler(event, context)), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short, log-safe description of an invocation failure (no stack trace, no error payload). */
export function describeFailure(error: unknown): string {
  if (error instanceof HandlerLoadError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
