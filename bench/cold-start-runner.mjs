// One cold start, in a fresh Node process: import a bundled handler, invoke it once with the event in the
// file named by argv[3], print the timings. Plain JavaScript run by bare `node` on purpose: no loader or
// transpiler may sit between the process start and the bundle, or it would be measured too.
//
// `performance.now()` counts from the process's time origin (https://nodejs.org/api/perf_hooks.html#performancenow),
// so `loadedMs` includes Node's own start-up, as a Lambda cold start includes the runtime's.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundlePath, eventPath] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventPath, 'utf8'));
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'bench-cold-start',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench-cold-start',
  memoryLimitInMB: '512',
  awsRequestId: '00000000-0000-4000-8000-000000000000',
  logGroupName: '/aws/lambda/bench-cold-start',
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => 30_000,
};

const loadStart = performance.now();
const module = await import(pathToFileURL(bundlePath).href);
const loadedMs = performance.now();
let outcome;
try {
  const result = await module.handler(event, context);
  outcome = result && typeof result === 'object' && 'statusCode' in result ? `status ${result.statusCode}` : 'returned';
} catch (error) {
  outcome = `threw ${error instanceof Error ? error.name : typeof error}`;
}
const answeredMs = performance.now();
process.stdout.write(
  `\n@@bench-cold-start ${JSON.stringify({ bootMs: loadStart, loadedMs, answeredMs, invokeMs: answeredMs - loadedMs, outcome })}\n`,
  // Open SDK sockets would keep the process alive; a Lambda environment is frozen instead.
  () => process.exit(0),
);
