/**
 * Billing hygiene: provider Items we still pay for but cannot use.
 *
 * - Unknown Items: a provider keeps sending webhooks for an Item no connection of ours names (a link whose
 *   exchange never completed, a connection purged while the provider kept the Item). Plaid bills per Item until
 *   `/item/remove` (https://plaid.com/docs/api/items/#itemremove); Pluggy counts items until `DELETE /items/{id}`.
 * - Dead connections: `revoked` or `login_required` for more than `staleDays` days (the user never came back).
 *
 * `removeUnusedItems` removes them at the provider. A dead connection is then marked `revoked` (its data stays
 * until the user deletes it). An unknown Plaid Item cannot be removed through the API: `/item/remove` needs
 * the access token, which we never stored; it is reported for removal in the Plaid dashboard instead.
 */
import { updateConnection } from '../banking/connection-updates';
import type { Connection, Provider } from '../banking/model';
import type { Clock, ConnectionStore } from '../banking/ports';

export interface UnknownItem {
  readonly provider: Provider;
  readonly providerItemId: string;
  readonly lastWebhookAt: string;
  readonly webhooks: number;
}

export type UnusedItem =
  | { readonly kind: 'unknown_item'; readonly provider: Provider; readonly providerItemId: string; readonly since: string; readonly webhooks: number }
  | { readonly kind: 'dead_connection'; readonly provider: Provider; readonly providerItemId: string; readonly since: string; readonly connection: Connection };

const DEAD_STATUSES = new Set(['revoked', 'login_required']);

/** Picks the unusable Items out of candidate connections and unknown-Item webhook senders. */
export function findUnusedItems(
  connections: readonly Connection[],
  unknownItems: readonly UnknownItem[],
  now: Date,
  staleDays: number,
): UnusedItem[] {
  const cutoff = now.getTime() - staleDays * 86_400_000;
  const known = new Set(connections.map((connection) => `${connection.provider}#${connection.providerItemId}`));
  const dead: UnusedItem[] = connections
    // updatedAt is when the status was last written; a dead connection is not written to again.
    .filter((connection) => DEAD_STATUSES.has(connection.status) && new Date(connection.updatedAt).getTime() < cutoff)
    .map((connection) => ({
      kind: 'dead_connection',
      provider: connection.provider,
      providerItemId: connection.providerItemId,
      since: connection.updatedAt,
      connection,
    }));
  const unknown: UnusedItem[] = unknownItems
    .filter((item) => !known.has(`${item.provider}#${item.providerItemId}`))
    .map((item) => ({ kind: 'unknown_item', provider: item.provider, providerItemId: item.providerItemId, since: item.lastWebhookAt, webhooks: item.webhooks }));
  return [...dead, ...unknown];
}

/**
 * The Items among webhook senders that no connection names now. A webhook event stored without a connection
 * is not proof enough: events the receipt settles by their code alone (Plaid's legacy TRANSACTIONS codes,
 * events the service does not use) are never tied to their connection, and an event can arrive before its
 * link completes. One item-pointer lookup per Item, so a healthy connection's Item is never taken for unknown.
 */
export async function itemsNoConnectionNames(
  connections: Pick<ConnectionStore, 'findByProviderItem'>,
  candidates: readonly UnknownItem[],
): Promise<UnknownItem[]> {
  const unknown: UnknownItem[] = [];
  for (const item of candidates) {
    if ((await connections.findByProviderItem(item.provider, item.providerItemId)) === null) unknown.push(item);
  }
  return unknown;
}

export interface RemovalDeps {
  readonly connections: ConnectionStore;
  readonly clock: Clock;
  /** Removes an Item at its provider (the provider module's connection remover). */
  readonly removerFor: (provider: Provider) => Promise<{ remove(connection: Connection): Promise<void> }>;
}

export type RemovalOutcome = 'removed' | 'needs_dashboard' | 'failed';

export async function removeUnusedItem(deps: RemovalDeps, item: UnusedItem): Promise<{ outcome: RemovalOutcome; error?: string }> {
  if (item.kind === 'unknown_item' && item.provider === 'plaid') return { outcome: 'needs_dashboard' };
  try {
    const remover = await deps.removerFor(item.provider);
    if (item.kind === 'dead_connection') {
      await remover.remove(item.connection);
      await updateConnection(
        deps.connections,
        item.connection.userId,
        item.connection.connectionId,
        (current) => ({
          ...current,
          status: 'revoked',
          statusReason: { code: 'ITEM_REMOVED_UNUSED', message: 'Removed at the provider after staying unusable' },
          nextSyncAt: null,
        }),
        () => deps.clock.now(),
      );
    } else {
      // The Pluggy remover needs only the item id: DELETE /items/{id} with the client's API key.
      await remover.remove({ provider: item.provider, providerItemId: item.providerItemId } as Connection);
    }
    return { outcome: 'removed' };
  } catch (error) {
    return { outcome: 'failed', error: (error as Error).name };
  }
}
