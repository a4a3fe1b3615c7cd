/**
 * Linking a bank through Plaid: link token → (frontend runs Link) → public token exchange.
 *
 * The access token exists in plaintext only inside `exchangePlaidPublicToken`, between the exchange call
 * and the vault; it is never returned, logged or stored unencrypted.
 */
import { ItemAlreadyExistsError, ValidationError } from '../../errors/app-error';
import { describeError } from '../../errors/error-mapper';
import { logger } from '../../observability/logger';
import { newId, accountIdFor } from '../../banking/ids';
import type { Account } from '../../banking/model';
import { requireConnection } from '../../banking/ownership';
import { newConnection, queueSyncAfterLinking } from '../../banking/new-connection';
import type { Clock, ConnectionStore, SyncRunStore, SyncJobQueue, TokenVault } from '../../banking/ports';
import { tokenContextOf } from '../../banking/token-context';
import { toAccount } from '../../sync/account-writer';
import { nextAutoSyncAt } from '../../sync/schedule';
import { accountFingerprint, itemGuards, type AccountIdentity } from '../item-guards';
import type { PlaidItemGateway } from './plaid-ports';

/**
 * Products requested when the client names none: transactions, which every Item must support (sync is the
 * point of linking), and auth only where supported. Listing auth in `products` would hide every institution
 * without Auth and refuse logins without a checking or savings account (a credit card only); as
 * `required_if_supported_products` it is added wherever institution and accounts allow, and skipped
 * elsewhere (spec LinkTokenCreateRequest, https://plaid.com/docs/link/initializing-products/).
 */
export const DEFAULT_PLAID_PRODUCTS = ['transactions'] as const;
export const DEFAULT_PLAID_PRODUCTS_IF_SUPPORTED = ['auth'] as const;
/** The longest history Plaid offers (`transactions.days_requested` max). */
export const PLAID_HISTORY_DAYS = 730;

export interface PlaidLinkingDeps {
  readonly gateway: PlaidItemGateway;
  readonly vault: TokenVault;
  readonly connections: ConnectionStore;
  readonly syncRuns: SyncRunStore;
  readonly syncQueue: SyncJobQueue;
  readonly clock: Clock;
  readonly providerUserIdOf: (userId: string) => Promise<string>;
  readonly webhookUrl: string | null;
  readonly autoSyncIntervalHours: number;
}

/** What a link token needs: no sync queue or run store, so its route bundles no SQS client. */
export type PlaidLinkTokenDeps = Pick<PlaidLinkingDeps, 'gateway' | 'vault' | 'connections' | 'providerUserIdOf' | 'webhookUrl'>;

export interface LinkTokenInput {
  readonly products?: readonly string[];
  /** Update mode for an existing connection (re-authentication, or picking up new accounts). */
  readonly connectionId?: string;
  readonly accountSelection?: boolean;
  readonly redirectUri?: string;
}

export async function createPlaidLinkToken(deps: PlaidLinkTokenDeps, userId: string, input: LinkTokenInput) {
  const clientUserId = await deps.providerUserIdOf(userId);
  let accessToken: string | null = null;
  let accountSelection = false;
  if (input.connectionId) {
    const connection = await requireConnection(deps.connections, userId, input.connectionId);
    if (connection.provider !== 'plaid' || !connection.accessToken) {
      throw new ValidationError('Not a Plaid connection', [{ field: 'body.connection_id', message: 'Not a Plaid connection' }]);
    }
    accessToken = await deps.vault.decrypt(connection.accessToken, tokenContextOf(connection));
    accountSelection = input.accountSelection ?? connection.status === 'new_accounts_available';
  }
  const token = await deps.gateway.createLinkToken({
    clientUserId,
    products: input.products ?? DEFAULT_PLAID_PRODUCTS,
    // A client naming its products gets exactly those.
    requiredIfSupportedProducts: input.products ? [] : DEFAULT_PLAID_PRODUCTS_IF_SUPPORTED,
    accessToken,
    accountSelection,
    webhookUrl: deps.webhookUrl,
    redirectUri: input.redirectUri ?? null,
    daysRequested: PLAID_HISTORY_DAYS,
  });
  return { ...token, mode: accessToken ? ('update' as const) : ('create' as const) };
}

export interface ExchangeInput {
  readonly publicToken: string;
  /** Link `onSuccess` metadata; lets duplicates be refused before an Item is even created. */
  readonly institution?: { readonly id: string; readonly name: string | null };
  readonly accounts?: readonly AccountIdentity[];
  readonly productTag?: string;
}

export async function exchangePlaidPublicToken(deps: PlaidLinkingDeps, userId: string, input: ExchangeInput) {
  if (input.institution && input.accounts && input.accounts.length > 0) {
    const existing = await deps.connections.findGuards(
      userId,
      'plaid',
      input.institution.id,
      input.accounts.map(accountFingerprint),
    );
    if (existing.length > 0) throw new ItemAlreadyExistsError();
  }

  const { accessToken, itemId } = await deps.gateway.exchangePublicToken(input.publicToken);
  const now = deps.clock.now();
  const connectionId = newId('conn', now);
  const context = tokenContextOf({ userId, connectionId, provider: 'plaid' });
  try {
    const [item, providerAccounts] = await Promise.all([
      deps.gateway.getItem(accessToken),
      deps.gateway.getAccounts(accessToken),
    ]);
    const institutionId = item.institutionId ?? input.institution?.id ?? 'unknown';
    const nowIso = now.toISOString();
    const connection = newConnection(
      {
        userId,
        connectionId,
        provider: 'plaid',
        providerItemId: itemId,
        institution: { id: institutionId, name: item.institutionName ?? input.institution?.name ?? institutionId },
        products: item.products,
        productTag: input.productTag ?? null,
        accessToken: await deps.vault.encrypt(accessToken, context),
        nextSyncAt: nextAutoSyncAt(now, deps.autoSyncIntervalHours, Math.random),
      },
      now,
    );
    const numbers = item.products.includes('auth') ? await deps.gateway.getAccountNumbers(accessToken) : new Map();
    const accounts: Account[] = [];
    for (const reported of providerAccounts) {
      const account = toAccount(connection, accountIdFor(connectionId, reported.providerAccountId), reported, undefined, nowIso);
      const accountNumbers = numbers.get(reported.providerAccountId);
      accounts.push(
        accountNumbers
          ? { ...account, numbers: await deps.vault.encrypt(JSON.stringify(accountNumbers), context) }
          : account,
      );
    }
    const guards = itemGuards(userId, 'plaid', institutionId, connectionId, providerAccounts);
    await deps.connections.createWithAccounts(connection, accounts, guards);
    // Plaid sends SYNC_UPDATES_AVAILABLE only after the first /transactions/sync call
    // (https://plaid.com/docs/api/products/transactions/#sync_updates_available), so the first sync is queued now.
    return { connection, accounts, syncRunId: await queueSyncAfterLinking(deps, userId, connectionId, 'link') };
  } catch (error) {
    // The Item exists at Plaid from the exchange on, and is billed until /item/remove ("required to end
    // subscription billing", https://plaid.com/docs/api/items/#itemremove). Whatever failed afterwards (a
    // duplicate only detectable now, /item/get, /accounts/get, /auth/get, KMS, DynamoDB), nothing of it was
    // stored, so the Item is removed before the error is answered: no orphan, and the user can link again.
    await removeOrphanedItem(deps, accessToken, itemId);
    throw error;
  }
}

async function removeOrphanedItem(deps: PlaidLinkingDeps, accessToken: string, itemId: string): Promise<void> {
  try {
    await deps.gateway.removeItem(accessToken);
  } catch (removeError) {
    const described = describeError(removeError);
    logger.error('a linked Item could not be removed after the link failed; it stays billed until removed', {
      item_id: itemId,
      code: described.code,
      provider_request_id: described.providerRequestId,
    });
  }
}
