import { systemClock } from '../../shared/adapters/system-clock';
import { webhookEventMessage } from '../../shared/queue/messages';
import { sqsWorker } from '../../shared/queue/sqs-worker';
import { webhookInterpreterFor } from '../../shared/providers/webhook-interpreters';
import { applyWebhookEvent, type ApplyWebhookDeps } from '../../shared/webhooks/apply-webhook-event';
import { autoSyncConfig } from '../../shared/wiring/config';
import { syncJobQueue } from '../../shared/wiring/queues';
import { revokeAccount } from '../../shared/banking/account-revocation';
import { eventPublisher, institutionHealth } from '../../shared/wiring/events';
import { accountStore, connectionStore, syncRunStore, transactionStore, webhookEventStore } from '../../shared/wiring/stores';

const accountData = { accounts: accountStore(), transactions: transactionStore(), clock: systemClock };

const deps: ApplyWebhookDeps = {
  events: webhookEventStore(),
  connections: connectionStore(),
  syncRuns: syncRunStore(),
  syncQueue: syncJobQueue(),
  clock: systemClock,
  interpreterFor: webhookInterpreterFor,
  autoSync: { intervalHours: autoSyncConfig().AUTO_SYNC_INTERVAL_HOURS, random: Math.random },
  revokeAccount: (connection, providerAccountId) => revokeAccount(accountData, connection, providerAccountId),
  publisher: eventPublisher(),
  institutions: institutionHealth(),
};

export const handler = sqsWorker({
  name: 'WebhookWorker',
  schema: webhookEventMessage,
  logContext: (message) => ({ provider: message.provider }),
  handle: async (message) => {
    await applyWebhookEvent(deps, message);
  },
});
