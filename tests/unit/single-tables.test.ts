/**
 * Concepts the service keeps in one table each: the neutral user-facing messages, the metric names, the
 * vault's encryption context, a new connection. Each check reads the source of the runtime folders for a
 * second copy, and first shows on a snippet that it finds one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConnection } from '../../shared/banking/new-connection';
import { tokenContextOf } from '../../shared/banking/token-context';
import { NEUTRAL_MESSAGES, neutralMessageOfStatus } from '../../shared/errors/neutral-messages';
import { detailMetricNames, metricNames, workerMetricName } from '../../shared/observability/metric-names';
import { plaidErrorFrom } from '../../shared/providers/plaid/plaid-errors';
import { interpretPlaidWebhook } from '../../shared/providers/plaid/plaid-webhook-interpreter';
import { pluggyErrorFrom } from '../../shared/providers/pluggy/pluggy-errors';
import { interpretPluggyWebhook } from '../../shared/providers/pluggy/pluggy-webhook-interpreter';
import { repositoryRoot } from '../helpers/layer-check';

/** Runtime sources (and operator commands), as [path relative to the repository, text]. */
function sources(): [string, string][] {
  const files: [string, string][] = [];
  for (const folder of ['shared', 'functions', 'ops']) {
    for (const entry of readdirSync(path.join(repositoryRoot, folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const file = path.join(entry.parentPath, entry.name);
      files.push([path.relative(repositoryRoot, file), readFileSync(file, 'utf8')]);
    }
  }
  return files;
}

const runtime = sources();

function filesMatching(pattern: RegExp, files: [string, string][] = runtime): string[] {
  return files.filter(([, text]) => pattern.test(text)).map(([file]) => file);
}

describe('neutral messages', () => {
  it('the same situation reads the same whichever provider or path reported it', () => {
    const plaidOutage = plaidErrorFrom({ response: { status: 503, data: { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', display_message: null } } });
    const pluggyOutage = pluggyErrorFrom({ status: 503, body: '', headers: {}, path: '/items/i-1' });
    expect(plaidOutage.message).toBe(NEUTRAL_MESSAGES.transient);
    expect(pluggyOutage.message).toBe(NEUTRAL_MESSAGES.transient);

    const plaidLogin = interpretPlaidWebhook(
      JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-1', error: { error_code: 'ITEM_LOGIN_REQUIRED', display_message: null } }),
    );
    const pluggyLogin = interpretPluggyWebhook(
      JSON.stringify({ event: 'item/error', itemId: 'item-1', eventId: 'e-1', error: { code: 'INVALID_CREDENTIALS', message: 'Invalid credentials' } }),
    );
    expect(plaidLogin).toMatchObject({ kind: 'status', status: 'login_required', reason: { message: NEUTRAL_MESSAGES.login_required } });
    expect(pluggyLogin).toMatchObject({ kind: 'status', status: 'login_required', reason: { message: NEUTRAL_MESSAGES.login_required } });
  });

  it('a status without a sentence of its own reads as a problem with the connection', () => {
    expect(neutralMessageOfStatus('revoked')).toBe(NEUTRAL_MESSAGES.revoked);
    expect(neutralMessageOfStatus('error')).toBe(NEUTRAL_MESSAGES.connection_error);
  });

  it('are written out only in their table', () => {
    const copies = (files: [string, string][]) =>
      Object.values(NEUTRAL_MESSAGES).flatMap((sentence) =>
        filesMatching(new RegExp(`['"\`]${sentence.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"\`]`), files).map((file) => `${file}: ${sentence}`),
      );
    expect(copies([['shared/x.ts', "const message = 'The bank login needs to be renewed';"]])).toHaveLength(1);
    expect(copies(runtime.filter(([file]) => file !== 'shared/errors/neutral-messages.ts'))).toEqual([]);
  });
});

describe('metric names', () => {
  /** An emitter called with a literal (or template) name instead of a constant. */
  const literalName = /\b(countMetric|countMetricBy|durationMetric|addMetric)\(\s*['"`]|\bname:\s*['"`]\w+['"`],\s*unit:/;

  it('are never written as literals where a metric is emitted', () => {
    expect(filesMatching(literalName, [['shared/x.ts', "countMetric('SyncRunsStarted');"]])).toHaveLength(1);
    expect(filesMatching(literalName, [['shared/x.ts', "countMetric(`${worker}Retries`);"]])).toHaveLength(1);
    expect(filesMatching(literalName, [['shared/x.ts', "publishMetrics([{}], [{ name: 'ProviderCalls', unit: MetricUnit.Count, value: 1 }]);"]])).toHaveLength(1);
    expect(filesMatching(literalName)).toEqual([]);
  });

  it('are unique across the charted and the detail lists', () => {
    const names = [...Object.values(metricNames), ...Object.values(detailMetricNames)];
    expect(new Set(names).size).toBe(names.length);
  });

  it('name a worker count after the worker', () => {
    expect(workerMetricName('SyncWorker', 'retries')).toBe('SyncWorkerRetries');
    expect(workerMetricName('WebhookWorker', 'poisonMessages')).toBe('WebhookWorkerPoisonMessages');
  });
});

describe('the vault encryption context', () => {
  /** An encrypt or decrypt call whose context is spelled out inline. */
  const inlineContext = /\.(en|de)crypt\([^;]*?,\s*\{\s*userId/s;

  it('is built by tokenContextOf for every encrypt and decrypt', () => {
    expect(
      filesMatching(inlineContext, [['shared/x.ts', 'await vault.decrypt(secret, {\n  userId: c.userId,\n  connectionId: c.connectionId,\n  provider: c.provider,\n});']]),
    ).toHaveLength(1);
    expect(filesMatching(inlineContext)).toEqual([]);
  });

  it('names the owning user, connection and provider, the same for a connection and its accounts', () => {
    const owner = { userId: 'u-1', connectionId: 'conn-1', provider: 'plaid' as const, accountId: 'acc-1', name: 'Checking' };
    expect(tokenContextOf(owner)).toEqual({ userId: 'u-1', connectionId: 'conn-1', provider: 'plaid' });
  });
});

describe('a new connection', () => {
  it('is spelled out only by newConnection', () => {
    const neverSynced = /lastSyncOutcome:\s*null/;
    expect(filesMatching(neverSynced, [['shared/x.ts', 'const c = { lastSyncAt: null, lastSyncOutcome: null };']])).toHaveLength(1);
    expect(filesMatching(neverSynced)).toEqual(['shared/banking/new-connection.ts']);
  });

  it('starts healthy, never synced, with no token, consent or pending action unless given', () => {
    const now = new Date('2025-03-01T12:00:00.000Z');
    const connection = newConnection(
      {
        userId: 'u-1',
        connectionId: 'conn-1',
        provider: 'plaid',
        providerItemId: 'item-1',
        institution: { id: 'ins_1', name: 'First Bank' },
        products: ['transactions'],
        nextSyncAt: '2025-03-02T00:00:00.000Z',
      },
      now,
    );
    expect(connection).toEqual({
      userId: 'u-1',
      connectionId: 'conn-1',
      provider: 'plaid',
      providerItemId: 'item-1',
      institution: { id: 'ins_1', name: 'First Bank' },
      products: ['transactions'],
      productTag: null,
      status: 'healthy',
      statusReason: null,
      accessToken: null,
      syncCursor: null,
      consent: null,
      pendingUserAction: null,
      createdAt: '2025-03-01T12:00:00.000Z',
      updatedAt: '2025-03-01T12:00:00.000Z',
      lastSyncAt: null,
      lastSyncOutcome: null,
      nextSyncAt: '2025-03-02T00:00:00.000Z',
    });
  });
});
