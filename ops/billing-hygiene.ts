/**
 * `npm run billing-hygiene -- [--days <n>] [--remove]`
 *
 * Lists provider Items we still pay for but cannot use (`shared/billing/unused-items.ts`): Items that send us
 * webhooks but belong to no connection (stored webhook events without a connection, whose Item no connection
 * names when the command runs), and connections
 * `revoked` or `login_required` for more than `--days` days (default 30). With `--remove`, removes each at its
 * provider (Plaid `/item/remove`, Pluggy `DELETE /items/{id}`) and marks removed connections `revoked`; unknown
 * Plaid Items are listed for removal in the Plaid dashboard (their access token was never stored).
 *
 * One paginated Scan of the table with a filter: an operator audit run now and then, where keeping a
 * dedicated index up to date on every connection write would cost more than it saves.
 *
 * Settings as the functions read them: `TABLE_NAME`, `TOKEN_KEY_ID`, `PLAID_SECRET_ARN`, `PLUGGY_SECRET_ARN`,
 * `PLAID_ENV`, `PLUGGY_BASE_URL`, `AWS_REGION` / `AWS_ENDPOINT_URL` (offline: what `npm run dev` prints).
 * Output: one line per Item (kind, provider, item id, since when, outcome with --remove) and a summary; never a
 * token. Exit code 0 when nothing failed, 1 when a removal failed, 2 for usage errors.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../shared/adapters/aws-clients';
import { systemClock } from '../shared/adapters/system-clock';
import { CONNECTION_ENTITY, connectionFromItem } from '../shared/adapters/dynamodb/entities/connection';
import { WEBHOOK_EVENT_ENTITY } from '../shared/adapters/dynamodb/entities/webhook-event';
import { providers, type Connection, type Provider } from '../shared/banking/model';
import { findUnusedItems, itemsNoConnectionNames, removeUnusedItem, type UnknownItem, type UnusedItem } from '../shared/billing/unused-items';
import { providerPart } from '../shared/providers/registry';
import { tableConfig } from '../shared/wiring/config';
import { connectionStore } from '../shared/wiring/stores';
import { UsageError, parseOptions, runWhenEntryPoint } from './command-line';

export function parseBillingArguments(args: readonly string[]): { days: number; remove: boolean } {
  const values = parseOptions(args, { days: { type: 'string' }, remove: { type: 'boolean' } });
  const days = values.days === undefined ? 30 : Number(values.days);
  if (!Number.isInteger(days) || days < 0) throw new UsageError('--days must be a whole number of days.');
  return { days, remove: values.remove === true };
}

/** Connections in a dead status and the items of webhooks no connection claimed, in one filtered Scan. */
export async function readCandidates(tableName: string): Promise<{ connections: Connection[]; unknownItems: UnknownItem[] }> {
  const client = dynamoDocumentClient();
  const connections: Connection[] = [];
  const unknown = new Map<string, UnknownItem>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression:
          '(entity = :connection AND #status IN (:revoked, :login)) OR (entity = :webhook AND attribute_exists(provider_item_id) AND attribute_not_exists(connection_id))',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':connection': CONNECTION_ENTITY,
          ':webhook': WEBHOOK_EVENT_ENTITY,
          ':revoked': 'revoked',
          ':login': 'login_required',
        },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.entity === CONNECTION_ENTITY) {
        connections.push(connectionFromItem(item));
        continue;
      }
      const provider = item.provider as Provider;
      if (!(providers as readonly string[]).includes(provider) || typeof item.provider_item_id !== 'string') continue;
      const key = `${provider}#${item.provider_item_id}`;
      const receivedAt = String(item.received_at);
      const seen = unknown.get(key);
      unknown.set(key, {
        provider,
        providerItemId: item.provider_item_id,
        lastWebhookAt: seen && seen.lastWebhookAt > receivedAt ? seen.lastWebhookAt : receivedAt,
        webhooks: (seen?.webhooks ?? 0) + 1,
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { connections, unknownItems: [...unknown.values()] };
}

function describe(item: UnusedItem): string {
  return item.kind === 'dead_connection'
    ? `${item.kind} ${item.provider} ${item.providerItemId} connection ${item.connection.connectionId} ${item.connection.status} since ${item.since}`
    : `${item.kind} ${item.provider} ${item.providerItemId} ${item.webhooks} webhook(s), last ${item.since}`;
}

async function main(): Promise<void> {
  const options = parseBillingArguments(process.argv.slice(2));
  const { connections, unknownItems } = await readCandidates(tableConfig().TABLE_NAME);
  const unknownNow = await itemsNoConnectionNames(connectionStore(), unknownItems);
  const unused = findUnusedItems(connections, unknownNow, systemClock.now(), options.days);
  let failed = 0;
  const removerFor = providerPart((module) => module.connectionRemover(), 'billing hygiene');
  for (const item of unused) {
    if (!options.remove) {
      process.stdout.write(`${describe(item)}\n`);
      continue;
    }
    const result = await removeUnusedItem({ connections: connectionStore(), clock: systemClock, removerFor }, item);
    if (result.outcome === 'failed') failed++;
    process.stdout.write(`${describe(item)}: ${result.outcome}${result.error ? ` (${result.error})` : ''}\n`);
  }
  process.stdout.write(`${unused.length} unusable item(s)${options.remove ? `, ${failed} removal(s) failed` : '; run with --remove to remove them'}\n`);
  if (failed > 0) process.exitCode = 1;
}

runWhenEntryPoint(import.meta.url, { usage: 'usage: npm run billing-hygiene -- [--days <n>] [--remove]', failure: 'billing hygiene failed' }, main);
