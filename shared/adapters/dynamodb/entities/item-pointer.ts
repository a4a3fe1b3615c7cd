/**
 * Provider item pointers: one small row per connection that leads from the provider's item id (all a webhook
 * names) to the connection's keys.
 *
 * Key: PK `ITEM#<provider>#<providerItemId>`, SK `CONN#<connectionId>`; attributes `user_id`, `connection_id`.
 * In no index.
 *
 * Access patterns served:
 * - (2) connection by provider item id (webhook receipt, webhook replay, Pluggy's already-linked check):
 *   Query PK = `ITEM#<provider>#<providerItemId>`, Limit 1, strongly consistent (a webhook that arrives
 *   right after the link finds the connection). The reader gets the connection's keys, which is all the
 *   webhook receipt stores; whoever needs the row reads it by those keys.
 *
 * Written in the transaction that creates the connection and deleted in the transaction that deletes it, so
 * a pointer exists exactly while its connection does. The connection row itself is in no index for this:
 * before, it carried GSI1 keys (`GSI1PK = ITEM#<provider>#<providerItemId>`, `GSI1SK = CONN#<connectionId>`),
 * and every connection write (two per sync) wrote a full copy of the row into GSI1 (projection ALL). A
 * pointer is written once per connection.
 *
 * Connections created before pointers existed have no pointer and still carry the GSI1 keys: the first save
 * of such a row (its Put is conditional on no `GSI1PK`; the failure returns the row) writes the row without
 * them and the pointer in one transaction, and until then `findByProviderItem` falls back to the GSI1 Query
 * when no pointer answers (see `connection-reader.ts` and docs/data-model.md).
 */
import { readerFor } from '../item-reader';
import type { PrimaryKey, StoredItem } from '../table';

export const ITEM_POINTER_ENTITY = 'item_pointer';

/** The connection a provider item id leads to. */
export interface ItemPointer {
  readonly provider: string;
  readonly providerItemId: string;
  readonly userId: string;
  readonly connectionId: string;
}

export function providerItemPartitionKey(provider: string, providerItemId: string): string {
  return `ITEM#${provider}#${providerItemId}`;
}

export function itemPointerKey(pointer: Pick<ItemPointer, 'provider' | 'providerItemId' | 'connectionId'>): PrimaryKey {
  return { PK: providerItemPartitionKey(pointer.provider, pointer.providerItemId), SK: `CONN#${pointer.connectionId}` };
}

export function itemPointerToItem(pointer: ItemPointer): StoredItem {
  return {
    ...itemPointerKey(pointer),
    entity: ITEM_POINTER_ENTITY,
    user_id: pointer.userId,
    connection_id: pointer.connectionId,
  };
}

export function itemPointerFromItem(item: StoredItem): { userId: string; connectionId: string } {
  const read = readerFor(item, ITEM_POINTER_ENTITY);
  return { userId: read.string('user_id'), connectionId: read.string('connection_id') };
}
