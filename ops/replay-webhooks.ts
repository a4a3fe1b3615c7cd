/**
 * `npm run replay-webhooks -- --event <provider>:<eventId>` or `-- --connection <connectionId> [--limit <n>]`:
 * puts stored webhook events back through the webhook worker (`shared/webhooks/replay-webhook-events.ts`),
 * e.g. after fixing a bug in how an event type is applied, or to re-apply the events of one connection.
 * Replays are idempotent: a status already stored is not written again, a sync finds nothing new.
 * `--connection` lists the events the pipeline has handled at least once (see
 * `shared/adapters/dynamodb/entities/webhook-event.ts`); one dead-lettered before any attempt was saved is
 * replayed by id or by `npm run redrive -- webhookEvents`.
 *
 * The event id is what the logs and the stored event show as `event_id` (Plaid sends no id of its own: ours
 * is a digest of the body and a time window; Pluggy's is its `eventId`).
 *
 * Settings as the functions read them: `TABLE_NAME` (the stack output `TableName`; offline it defaults to the
 * local table of `RESOURCE_PREFIX`), `WEBHOOK_EVENT_QUEUE_URL` (else looked up by the queue's name), and
 * `AWS_REGION` / `AWS_ENDPOINT_URL` / an operator's credentials.
 *
 * Exit code 0 when every requested event was replayed, 1 when an event id was not found or a call failed,
 * 2 for usage errors.
 */
import { DynamoConnectionStore } from '../shared/adapters/dynamodb/connection-store';
import { DynamoWebhookEventStore } from '../shared/adapters/dynamodb/webhook-event-store';
import { SqsWebhookEventQueue } from '../shared/adapters/sqs/sqs-webhook-event-queue';
import { providers, type Provider } from '../shared/banking/model';
import { queues } from '../shared/catalog/resources';
import { replayWebhookEvents, type ReplayResult, type ReplaySelection } from '../shared/webhooks/replay-webhook-events';
import {
  UsageError,
  parseOptions,
  positiveIntegerOption,
  queueUrlFromEnvironment,
  runWhenEntryPoint,
  tableNameFromEnvironment,
} from './command-line';

const usage =
  'usage: npm run replay-webhooks -- --event <plaid|pluggy>:<eventId>\n' +
  '       npm run replay-webhooks -- --connection <connectionId> [--limit <n>]   (default limit 100, newest handled events)';

/** Parses the command line into what to replay. */
export function parseReplayArguments(args: readonly string[]): ReplaySelection {
  const { event, connection, limit } = parseOptions(args, { event: { type: 'string' }, connection: { type: 'string' }, limit: { type: 'string' } });
  if ((event === undefined) === (connection === undefined)) throw new UsageError('Give exactly one of --event or --connection.');
  if (event !== undefined) {
    if (limit !== undefined) throw new UsageError('--limit goes with --connection.');
    const separator = event.indexOf(':');
    const provider = event.slice(0, separator);
    const eventId = event.slice(separator + 1);
    if (separator < 1 || !eventId || !(providers as readonly string[]).includes(provider)) {
      throw new UsageError(`--event must be <${providers.join('|')}>:<eventId>.`);
    }
    return { by: 'event', provider: provider as Provider, eventId };
  }
  const count = positiveIntegerOption(limit, 'limit');
  if (!connection) throw new UsageError('--connection needs a connection id.');
  return { by: 'connection', connectionId: connection, ...(count === undefined ? {} : { limit: count }) };
}

/** Runs a replay with the stores and queue named by the environment. */
export async function replayFromEnvironment(selection: ReplaySelection, env: NodeJS.ProcessEnv = process.env): Promise<ReplayResult> {
  const table = tableNameFromEnvironment(env);
  const queueUrl = await queueUrlFromEnvironment(queues.webhookEvents, env);
  // The due-index shard count plays no part in the lookup by provider item this uses.
  const connections = new DynamoConnectionStore({ tableName: table, dueIndexShards: 1 });
  return replayWebhookEvents(
    { events: new DynamoWebhookEventStore({ tableName: table }), connections, queue: new SqsWebhookEventQueue(queueUrl) },
    selection,
  );
}

async function main(): Promise<void> {
  const selection = parseReplayArguments(process.argv.slice(2));
  const result = await replayFromEnvironment(selection);
  for (const event of result.replayed) {
    process.stdout.write(
      `replayed ${event.provider}:${event.eventId} ${event.type} (was ${event.previousStatus}, connection ${event.connectionId ?? 'none'})\n`,
    );
  }
  for (const eventId of result.notFound) process.stdout.write(`not found: ${eventId}\n`);
  process.stdout.write(`${result.replayed.length} event(s) queued for the webhook worker\n`);
  if (result.notFound.length > 0) process.exitCode = 1;
}

runWhenEntryPoint(import.meta.url, { usage, failure: 'replay failed' }, main);
