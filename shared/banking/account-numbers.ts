/**
 * Account and routing numbers (Plaid auth). Stored encrypted under the owning connection's encryption
 * context; decrypted only here, for the account's owner, and never logged.
 */
import * as z from '../validation/zod';
import { lazySchema } from '../validation/lazy-schema';
import { ConflictError, NotFoundError } from '../errors/app-error';
import { requireAccount } from './ownership';
import type { AccountStore, ConnectionReader, TokenVault } from './ports';
import { tokenContextOf } from './token-context';

const storedNumbers = /* @__PURE__ */ lazySchema(() =>
  z.object({
    account: z.string(),
    routing: z.nullable(z.string()),
    wireRouting: z.nullable(z.string()),
  }),
);

export async function revealAccountNumbers(
  deps: { accounts: AccountStore; connections: ConnectionReader; vault: TokenVault },
  userId: string,
  accountId: string,
) {
  const account = await requireAccount(deps.accounts, userId, accountId);
  if (account.status === 'revoked') {
    throw new ConflictError('ACCOUNT_REVOKED', 'The user revoked access to this account at the bank; its numbers are no longer valid');
  }
  if (!account.numbers) {
    // Link asks for Auth only where the bank and the accounts support it, so a Plaid connection may lack it.
    const connection = await deps.connections.get(userId, account.connectionId);
    if (connection?.provider === 'plaid' && !connection.products.includes('auth')) {
      throw new ConflictError(
        'AUTH_NOT_AVAILABLE',
        'Account numbers are not available: this bank connection does not include Plaid Auth (the bank or its accounts do not support it)',
        { connection_id: connection.connectionId, products: connection.products },
      );
    }
    throw new NotFoundError('account numbers');
  }
  const plaintext = await deps.vault.decrypt(account.numbers, tokenContextOf(account));
  const numbers = storedNumbers.parse(JSON.parse(plaintext));
  return { accountId: account.accountId, ...numbers };
}
