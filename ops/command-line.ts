/**
 * What every operator command in `ops/` does the same way: parse its options (a usage error exits 2 with the
 * usage text), find the table and queues the way the functions do, and map failures to exit codes
 * (1: the command ran and something failed; 2: it was called wrongly).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { pathToFileURL } from 'node:url';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { sqsClient } from '../shared/adapters/aws-clients';
import { defaultResourcePrefix, queueName, type QueueDefinition, tableName } from '../shared/catalog/resources';

/** The command was called wrongly: its message goes to stderr with the usage text, exit code 2. */
export class UsageError extends Error {}

/** `util.parseArgs` without positionals, its complaints turned into {@link UsageError}s. */
export function parseOptions<Options extends NonNullable<ParseArgsConfig['options']>>(args: readonly string[], options: Options) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `--limit`-style options: absent, or a positive integer. */
export function positiveIntegerOption(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`--${option} must be a positive integer.`);
  return count;
}

function resourcePrefix(env: NodeJS.ProcessEnv): string {
  return env.RESOURCE_PREFIX?.trim() || defaultResourcePrefix;
}

/** `TABLE_NAME` (the stack output `TableName`); offline, the local table of `RESOURCE_PREFIX`. */
export function tableNameFromEnvironment(env: NodeJS.ProcessEnv): string {
  const table = env.TABLE_NAME || (env.AWS_ENDPOINT_URL ? tableName(resourcePrefix(env)) : undefined);
  if (!table) throw new UsageError('Set TABLE_NAME to the stack output "TableName" (CloudFormation names the table).');
  return table;
}

/** The queue URL from the variable the functions read, else looked up by the queue's name. */
export async function queueUrlFromEnvironment(queue: QueueDefinition, env: NodeJS.ProcessEnv): Promise<string> {
  const configured = env[queue.urlEnvVar];
  if (configured) return configured;
  const found = await sqsClient().send(new GetQueueUrlCommand({ QueueName: queueName(queue, resourcePrefix(env)) }));
  if (!found.QueueUrl) throw new Error(`Could not find the ${queue.baseName} queue`);
  return found.QueueUrl;
}

/** Runs `main` when the file is the process's entry point (not when a test imports it), with the exit codes above. */
export function runWhenEntryPoint(moduleUrl: string, command: { usage: string; failure: string }, main: () => Promise<void>): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main().catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${command.usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`${command.failure}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
