import { queues } from '../../infra/catalog/resources';
import { systemClock } from '../../shared/banking/ports';
import { writeTransactionCategory, type ProviderWriteDeps } from '../../shared/banking/provider-writes';
import { ConflictError } from '../../shared/errors/app-error';
import { providerWriteMessage } from '../../shared/queue/messages';
import { sqsWorker } from '../../shared/queue/sqs-worker';
import { pluggyCategoryWriter } from '../../shared/wiring/pluggy';
import { transactionStore } from '../../shared/wiring/stores';

const deps: ProviderWriteDeps = {
  transactions: transactionStore(),
  writerFor: (provider) => {
    if (provider === 'pluggy') return pluggyCategoryWriter();
    throw new ConflictError('PROVIDER_NOT_SUPPORTED', `Provider ${provider} takes no category feedback`);
  },
  clock: systemClock,
};

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
});
