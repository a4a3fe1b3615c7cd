import { queues } from '../../shared/catalog/resources';
import { systemClock } from '../../shared/adapters/system-clock';
import { writeTransactionCategory, type ProviderWriteDeps } from '../../shared/banking/provider-writes';
import { providerWriteMessage } from '../../shared/queue/messages';
import { sqsWorker } from '../../shared/queue/sqs-worker';
import { categoryWriterFor } from '../../shared/providers/registry';
import { providerWriteRedeliveryDelay } from '../../shared/wiring/queues';
import { transactionStore } from '../../shared/wiring/stores';

const deps: ProviderWriteDeps = {
  transactions: transactionStore(),
  writerFor: categoryWriterFor,
  clock: systemClock,
};
const redelivery = providerWriteRedeliveryDelay();

/** Carries users' category choices to the provider (Pluggy category feedback), one job per transaction. */
export const handler = sqsWorker({
  name: 'ProviderWriteWorker',
  schema: providerWriteMessage,
  logContext: (job) => ({ user_id: job.userId, connection_id: job.connectionId, provider: job.provider }),
  handle: async (job, record) => {
    await writeTransactionCategory(deps, job, {
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1,
      maxReceiveCount: queues.providerWrites.maxReceiveCount,
    });
  },
  // A failed write comes back after an exponential, jittered delay (30 s, 60 s, ... up to 15 minutes).
  beforeRetry: async (record, error) => {
    await redelivery.delay(record, error);
  },
});
