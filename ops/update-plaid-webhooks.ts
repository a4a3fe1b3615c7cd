/**
 * `npm run plaid:update-webhooks -- <new-base-url> [--dry-run]`
 *
 * When the API's public address changes (new stage, custom domain, a new tunnel), Plaid keeps posting to
 * the webhook URL each Item was linked with: link tokens only set it for new Items, and update mode
 * ignores `webhook`. This command points every stored Plaid connection at `<new-base-url>/api/v1/webhooks/plaid`
 * through `/item/webhook/update`; Plaid then sends WEBHOOK_UPDATE_ACKNOWLEDGED to the new address.
 *
 * It reads its settings as the functions do: `TABLE_NAME`, `TOKEN_KEY_ID`, `PLAID_SECRET_ARN`, `PLAID_ENV`
 * (+ `PLAID_LOCAL_BASE_URL`), `AWS_REGION` / `AWS_ENDPOINT_URL`. Offline: `eval "$(npm run --silent aws:up)"`
 * plus the PLAID_* values `npm run dev` prints; against AWS: the stack's outputs and an operator's credentials.
 *
 * Output: one line per connection that was not updated (connection id and Plaid's error code) and a
 * summary. Access tokens are decrypted in memory for the one call that needs them and never printed.
 * Exit code 0 when every reachable Item was updated, 1 when any update failed, 2 for usage/config errors.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { parseArgs } from 'node:util';
import { dynamoDocumentClient } from '../shared/adapters/aws-clients';
import { CONNECTION_ENTITY, connectionFromItem } from '../shared/adapters/dynamodb/entities/connection';
import type { PlaidSdkItemGateway } from '../shared/providers/plaid/plaid-item-gateway';
import type { Connection } from '../shared/banking/model';
import type { TokenVault } from '../shared/banking/ports';
import { tokenContextOf } from '../shared/banking/token-context';
import { ConfigError, ProviderError } from '../shared/errors/app-error';
import { describeError } from '../shared/errors/error-mapper';
import { tableConfig } from '../shared/wiring/config';
import { PLAID_WEBHOOK_PATH, plaidItemGateway, plaidWebhookUrlFor } from '../shared/providers/plaid/plaid-module';
import { tokenVault } from '../shared/wiring/vault';

const usage = 'usage: npm run plaid:update-webhooks -- <new-api-base-url> [--dry-run]   e.g. https://api.example.com';
/** Items updated at once: well inside Plaid's per-client limits, and the in-call retry absorbs a 429. */
const CONCURRENCY = 4;

interface WebhookUpdateDeps {
  readonly tableName: string;
  readonly vault: TokenVault;
  readonly gateway: Pick<PlaidSdkItemGateway, 'updateWebhook'>;
  readonly print: (line: string) => void;
}

interface WebhookUpdateSummary {
  readonly connections: number;
  readonly updated: number;
  /** Items Plaid no longer knows (removed or revoked there): nothing left to point anywhere. */
  readonly gone: number;
  readonly failed: number;
}

/**
 * Every Plaid connection in the table.
 *
 * A Scan, on purpose: this is an operator command run once per address change, not a request path.
 * Nothing lists connections by provider: the item pointer rows are keyed per Item (`ITEM#plaid#<itemId>`,
 * for webhooks), the due index (GSI2) holds only connections auto-sync may touch, so it misses exactly the Items that need
 * their user (login_required, revoked), whose LOGIN_REPAIRED must reach the new address too, and a
 * per-user Query would need a list of users the service does not keep. The filter runs server-side and
 * the Scan is paged, so memory stays flat; it reads (and bills) the whole table once.
 */
async function* plaidConnections(tableName: string): AsyncGenerator<Connection> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamoDocumentClient().send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'entity = :entity AND provider = :provider',
        ExpressionAttributeValues: { ':entity': CONNECTION_ENTITY, ':provider': 'plaid' },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) yield connectionFromItem(item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

type Outcome = 'updated' | 'gone' | 'failed';

async function updateOne(deps: WebhookUpdateDeps, connection: Connection, webhookUrl: string): Promise<Outcome> {
  if (!connection.accessToken) {
    deps.print(`connection ${connection.connectionId}: update failed (no access token stored)`);
    return 'failed';
  }
  try {
    const accessToken = await deps.vault.decrypt(connection.accessToken, tokenContextOf(connection));
    await deps.gateway.updateWebhook(accessToken, webhookUrl);
    return 'updated';
  } catch (error) {
    // Only the error code is printed: SDK errors carry the secret and the token in their request config.
    const code = describeError(error).code;
    if (error instanceof ProviderError && error.kind === 'item_not_found') {
      deps.print(`connection ${connection.connectionId}: Item no longer exists at Plaid (${code}), nothing to update`);
      return 'gone';
    }
    deps.print(`connection ${connection.connectionId}: update failed (${code})`);
    return 'failed';
  }
}

async function updatePlaidWebhooks(deps: WebhookUpdateDeps, webhookUrl: string): Promise<WebhookUpdateSummary> {
  const counts = { connections: 0, updated: 0, gone: 0, failed: 0 };
  const running = new Set<Promise<void>>();
  for await (const connection of plaidConnections(deps.tableName)) {
    counts.connections += 1;
    const task: Promise<void> = updateOne(deps, connection, webhookUrl).then((outcome) => {
      counts[outcome] += 1;
      running.delete(task);
    });
    running.add(task);
    if (running.size >= CONCURRENCY) await Promise.race(running);
  }
  await Promise.all(running);
  return counts;
}

/** `https://api.example.com` → its Plaid webhook URL; a URL that already names the route is kept. */
function webhookUrlFrom(argument: string): string {
  let url: URL;
  try {
    url = new URL(argument);
  } catch {
    throw new ConfigError(`"${argument}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('The base URL must be http(s)');
  if (url.search || url.hash) throw new ConfigError('The base URL must not carry a query or fragment');
  const base = url.toString().replace(/\/+$/, '');
  return base.endsWith(PLAID_WEBHOOK_PATH) ? base : plaidWebhookUrlFor(base);
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ options: { 'dry-run': { type: 'boolean' } }, allowPositionals: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  const [baseUrl, ...extra] = parsed.positionals;
  if (!baseUrl || extra.length > 0) {
    process.stderr.write(`Exactly one base URL is required.\n${usage}\n`);
    return 2;
  }
  let webhookUrl: string;
  let deps: WebhookUpdateDeps;
  try {
    webhookUrl = webhookUrlFrom(baseUrl);
    deps = {
      tableName: tableConfig().TABLE_NAME,
      vault: tokenVault(),
      gateway: plaidItemGateway(),
      print: (line) => process.stdout.write(`${line}\n`),
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n${usage}\n`);
    return 2;
  }

  if (parsed.values['dry-run']) {
    let count = 0;
    for await (const connection of plaidConnections(deps.tableName)) {
      count += 1;
      deps.print(`connection ${connection.connectionId} (${connection.institution.name}, ${connection.status}) would be updated`);
    }
    deps.print(`dry run: ${count} Plaid connection(s) would be pointed at ${webhookUrl}`);
    return 0;
  }

  const summary = await updatePlaidWebhooks(deps, webhookUrl);
  deps.print(
    `Plaid webhook URL set to ${webhookUrl}: ${summary.connections} connection(s), ${summary.updated} updated, ` +
      `${summary.gone} gone at Plaid, ${summary.failed} failed`,
  );
  return summary.failed > 0 ? 1 : 0;
}

// The SDK warns once per process that its 2027 releases need Node 22; noise in a command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // describeError never carries a stack trace or a provider secret.
    process.stderr.write(`update failed: ${describeError(error).message}\n`);
    process.exitCode = 1;
  },
);
