/**
 * Linking a bank through Plaid: link token → (frontend runs Link) → public token exchange.
 *
 * The access token exists in plaintext only inside `exchangePlaidPublicToken`, between the exchange call
 * and the vault; it is never returned, logged or stored unencrypted.
 */
import { ItemAlreadyExistsError, ValidationError } from '../../errors/app-error';
import { newId, accountIdFor } from '../../banking/ids';
import type { Account, Connection } from '../../banking/model';
import { requireConnection } from '../../banking/ownership';
import type { Clock, ConnectionStore, SyncRunStore, SyncJobQueue, TokenVault } from '../../banking/ports';
import { requestSync } from '../../banking/sync-requests';
import { tokenContextOf } from '../../banking/token-context';
import { logger } from '../../observability/logger';
import { toAccount } from '../../sync/account-writer';
import { nextAutoSyncAt } from '../../sync/schedule';
import { accountFingerprint, itemGuards, type AccountIdentity } from '../item-guards';
import type { PlaidItemGateway } from './plaid-ports';

/** Products requested when the client names none: transactions for sync, auth for account numbers. */
export const DEFAULT_PLAID_PRODUCTS = ['transactions', 'auth'] as const;
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

export interface LinkTokenInput {
  readonly products?: readonly string[];
  /** Update mode for an existing connection (re-authentication, or picking up new accounts). */
  readonly connectionId?: string;
  readonly accountSelection?: boolean;
  readonly redirectUri?: string;
}

export async function createPlaidLinkToken(deps: PlaidLinkingDeps, userId: string, input: LinkTokenInput) {
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
    const connection: Connection = {
      userId,
      connectionId,
      provider: 'plaid',
      providerItemId: itemId,
      institution: { id: institutionId, name: item.institutionName ?? input.institution?.name ?? institutionId },
      products: item.products,
      productTag: input.productTag ?? null,
      status: 'healthy',
      statusReason: null,
      accessToken: await deps.vault.encrypt(accessToken, context),
      syncCursor: null,
      consent: null,
      pendingUserAction: null,
      createdAt: nowIso,
      updatedAt: nowIso,
      lastSyncAt: null,
      lastSyncOutcome: null,
      // The first sync is queued below; this is the fallback if that job is ever lost.
      nextSyncAt: nextAutoSyncAt(now, deps.autoSyncIntervalHours, Math.random),
    };
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
    return { connection, accounts, syncRunId: await queueFirstSync(deps, userId, connectionId) };
  } catch (error) {
    if (error instanceof ItemAlreadyExistsError) {
      // The duplicate was only detectable after the exchange (no metadata, or a race): remove the new
      // Item again so it is not billed, then refuse.
      await deps.gateway.removeItem(accessToken);
    }
    throw error;
  }
}

/**
 * Plaid starts sending SYNC_UPDATES_AVAILABLE only after the first `/transactions/sync` call, so the first
 * sync is queued right away. The connection is already stored at this point and the public token is spent:
 * failing the request now would leave the user unable to retry, so a failed enqueue is logged and left to
 * the auto-sync fallback (`nextSyncAt`).
 */
async function queueFirstSync(deps: PlaidLinkingDeps, userId: string, connectionId: string): Promise<string | null> {
  try {
    return (await requestSync(deps, userId, connectionId, 'link')).syncRunId;
  } catch (error) {
    logger.warn('first sync could not be queued; auto-sync will pick the connection up', { error: error as Error });
    return null;
  }
}
