/**
 * `npm run replay-app-events -- --event <eventId> [--event <eventId> ...]`
 * `npm run replay-app-events -- --user <userId> --since <ISO time> [--limit <n>]`
 *
 * Sends app events to the app's webhook again (`shared/events/replay-app-events.ts`): after the app's endpoint
 * was down long enough for deliveries to be dead-lettered, or when the app lost what it received. Delivered
 * events go again too (same `webhook-id`; receivers dedupe on it). For the messages themselves sitting in the
 * dead-letter queue, `npm run redrive -- appWebhooks` moves them back instead.
 *
 * Settings as the functions read them: `TABLE_NAME` (stack output `TableName`; offline the local table of
 * `RESOURCE_PREFIX`), `APP_WEBHOOK_QUEUE_URL` (else looked up by the queue's name), `AWS_REGION` /
 * `AWS_ENDPOINT_URL` / an operator's credentials.
 *
 * Exit code 0 when every requested event was queued, 1 when one was not found or a call failed, 2 for usage errors.
 */
import { DynamoAppEventStore } from '../shared/adapters/dynamodb/app-event-store';
import { DynamoConnectionStore } from '../shared/adapters/dynamodb/connection-store';
import { DynamoSyncRunStore } from '../shared/adapters/dynamodb/sync-run-store';
import { SqsAppWebhookQueue } from '../shared/adapters/sqs/sqs-app-webhook-queue';
import { queues } from '../shared/catalog/resources';
import { replayAppEvents, type AppEventReplayResult, type AppEventReplaySelection } from '../shared/events/replay-app-events';
import {
  UsageError,
  parseOptions,
  positiveIntegerOption,
  queueUrlFromEnvironment,
  runWhenEntryPoint,
  tableNameFromEnvironment,
} from './command-line';

const usage =
  'usage: npm run replay-app-events -- --event <eventId> [--event <eventId> ...]\n' +
  '       npm run replay-app-events -- --user <userId> --since <ISO time> [--limit <n>]   (default limit 100, oldest first)';

export function parseAppEventReplayArguments(args: readonly string[]): AppEventReplaySelection {
  const { event, user, since, limit } = parseOptions(args, {
    event: { type: 'string', multiple: true },
    user: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
  });
  if ((event === undefined) === (user === undefined)) throw new UsageError('Give --event or --user, not both.');
  if (event !== undefined) {
    if (since !== undefined || limit !== undefined) throw new UsageError('--since and --limit go with --user.');
    const bad = event.find((id) => !/^evt_[0-9a-f]{32}$/.test(id));
    if (bad !== undefined) throw new UsageError(`--event must be an event id (evt_ and 32 hex digits), got "${bad}".`);
    return { by: 'event', eventIds: event };
  }
  if (!user) throw new UsageError('--user needs a user id.');
  if (!since || Number.isNaN(Date.parse(since))) throw new UsageError('--user needs --since <ISO time>.');
  const count = positiveIntegerOption(limit, 'limit');
  return { by: 'user', userId: user, since: new Date(since).toISOString(), ...(count === undefined ? {} : { limit: count }) };
}

export async function replayAppEventsFromEnvironment(
  selection: AppEventReplaySelection,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AppEventReplayResult> {
  const table = tableNameFromEnvironment(env);
  const queueUrl = await queueUrlFromEnvironment(queues.appWebhooks, env);
  const store = { tableName: table };
  return replayAppEvents(
    {
      events: new DynamoAppEventStore(store),
      // The due-index shard count plays no part in listing a user's connections.
      connections: new DynamoConnectionStore({ ...store, dueIndexShards: 1 }),
      syncRuns: new DynamoSyncRunStore(store),
      queue: new SqsAppWebhookQueue(queueUrl),
    },
    selection,
  );
}

async function main(): Promise<void> {
  const result = await replayAppEventsFromEnvironment(parseAppEventReplayArguments(process.argv.slice(2)));
  for (const event of result.replayed) {
    process.stdout.write(`queued ${event.id} ${event.type} ${event.timestamp} (delivery was ${event.delivery.status})\n`);
  }
  for (const eventId of result.notFound) process.stdout.write(`not found: ${eventId}\n`);
  process.stdout.write(`${result.replayed.length} event(s) queued for delivery\n`);
  if (result.notFound.length > 0) process.exitCode = 1;
}

runWhenEntryPoint(import.meta.url, { usage, failure: 'replay failed' }, main);
