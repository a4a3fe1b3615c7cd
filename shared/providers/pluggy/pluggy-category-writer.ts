/**
 * Pluggy's category feedback: `PATCH /transactions/{id}` `{categoryId}` moves the transaction to that
 * category at Pluggy (OAS transactions-Update), which Pluggy uses to improve its categorisation. Only ids of
 * Pluggy's own catalog (`pluggy:<8-digit id>`) can be sent.
 */
import type { Transaction } from '../../banking/model';
import type { ProviderCategoryWriter } from '../ports';
import type { PluggyApi } from './pluggy-api';
import { pluggyCategoryIdOf } from './pluggy-mapping';

export class PluggyCategoryWriter implements ProviderCategoryWriter {
  constructor(private readonly api: Pick<PluggyApi, 'updateTransactionCategory'>) {}

  providerCategoryIdOf(categoryId: string): string | null {
    return pluggyCategoryIdOf(categoryId);
  }

  async writeCategory(transaction: Transaction, providerCategoryId: string): Promise<void> {
    await this.api.updateTransactionCategory(transaction.providerTransactionId, providerCategoryId);
  }
}
