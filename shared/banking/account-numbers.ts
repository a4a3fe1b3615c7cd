/**
 * Account and routing numbers (Plaid auth). Stored encrypted under the owning connection's encryption
 * context; decrypted only here, for the account's owner, and never logged.
 */
import { z } from 'zod';
import { NotFoundError } from '../errors/app-error';
import { requireAccount } from './ownership';
import type { AccountStore, TokenVault } from './ports';
import { tokenContextOf } from './token-context';

const storedNumbers = z.object({
  account: z.string(),
  routing: z.string().nullable(),
  wireRouting: z.string().nullable(),
});

export async function revealAccountNumbers(
  deps: { accounts: AccountStore; vault: TokenVault },
  userId: string,
  accountId: string,
) {
  const account = await requireAccount(deps.accounts, userId, accountId);
  if (!account.numbers) throw new NotFoundError('account numbers');
  const plaintext = await deps.vault.decrypt(account.numbers, tokenContextOf(account));
  const numbers = storedNumbers.parse(JSON.parse(plaintext));
  return { accountId: account.accountId, ...numbers };
}
