import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bankingTable } from '../../shared/catalog/resources';
import { accountKey } from '../../shared/adapters/dynamodb/entities/account';
import {
  categoryNameKey,
  normalizedCategoryName,
  providerCategoryKey,
  providerOfCategoryId,
  userCategoryKey,
} from '../../shared/adapters/dynamodb/entities/category';
import { connectionKey, dueShardOf, dueSortKey } from '../../shared/adapters/dynamodb/entities/connection';
import { itemGuardKey } from '../../shared/adapters/dynamodb/entities/item-guard';
import { itemPointerKey, providerItemPartitionKey } from '../../shared/adapters/dynamodb/entities/item-pointer';
import { syncRunKey } from '../../shared/adapters/dynamodb/entities/sync-run';
import { changeEntryKey } from '../../shared/adapters/dynamodb/entities/transaction-change';
import {
  transactionDateSortKey,
  transactionKey,
  userCategoryTransactionsPartitionKey,
  userTransactionsPartitionKey,
} from '../../shared/adapters/dynamodb/entities/transaction';
import { webhookEventKey } from '../../shared/adapters/dynamodb/entities/webhook-event';
import { HIGHEST_KEY_CHARACTER, indexes, timeToLiveAttribute } from '../../shared/adapters/dynamodb/table';

describe('unit: DynamoDB key builders', () => {
  it('matches the table definition the stack and the provisioner create', () => {
    // Assess: the adapter's index names and key attributes are the catalog's, one for one.
    expect(Object.values(indexes).map((index) => ({ ...index }))).toEqual(
      bankingTable.globalIndexes.map(({ name, partitionKey, sortKey }) => ({ name, partitionKey, sortKey })),
    );
    expect(bankingTable.partitionKey).toBe('PK');
    expect(bankingTable.sortKey).toBe('SK');
    expect(timeToLiveAttribute).toBe(bankingTable.timeToLiveAttribute);
  });

  it('builds the documented keys for every entity', () => {
    expect(connectionKey('u1', 'c1')).toEqual({ PK: 'USER#u1', SK: 'CONN#c1' });
    expect(providerItemPartitionKey('plaid', 'item9')).toBe('ITEM#plaid#item9');
    expect(itemPointerKey({ provider: 'plaid', providerItemId: 'item9', connectionId: 'c1' })).toEqual({ PK: 'ITEM#plaid#item9', SK: 'CONN#c1' });
    expect(dueSortKey('2024-05-01T00:00:00.000Z', 'c1')).toBe('2024-05-01T00:00:00.000Z#c1');
    expect(accountKey('u1', 'a1')).toEqual({ PK: 'USER#u1', SK: 'ACCT#a1' });
    expect(transactionKey('u1', 't1')).toEqual({ PK: 'USER#u1', SK: 'TXN#t1' });
    expect(transactionDateSortKey('2024-04-15', 't1')).toBe('2024-04-15#t1');
    expect(userTransactionsPartitionKey('u1')).toBe('USER#u1#TXN');
    expect(changeEntryKey('u1', '2024-05-01T00:00:00.000Z#e1')).toEqual({ PK: 'USER#u1', SK: 'CHG#2024-05-01T00:00:00.000Z#e1' });
    expect(userCategoryTransactionsPartitionKey('u1', 'usr_1')).toBe('USER#u1#CAT#usr_1');
    expect(syncRunKey('c1', 'run_1')).toEqual({ PK: 'CONN#c1', SK: 'RUN#run_1' });
    expect(webhookEventKey('pluggy', 'e1')).toEqual({ PK: 'WEBHOOK#pluggy#e1', SK: 'EVENT' });
    expect(providerCategoryKey('plaid', 'plaid:FOOD_AND_DRINK')).toEqual({ PK: 'CATALOG#plaid', SK: 'CAT#plaid:FOOD_AND_DRINK' });
    expect(userCategoryKey('u1', 'usr_1')).toEqual({ PK: 'USER#u1', SK: 'CAT#usr_1' });
    expect(itemGuardKey({ userId: 'u1', provider: 'plaid', institutionId: 'ins_3', fingerprint: 'fp1' })).toEqual({
      PK: 'USER#u1',
      SK: 'GUARD#plaid#ins_3#fp1',
    });
  });

  it('keeps category-name rows out of a begins_with(SK, "CAT#") query of user categories', () => {
    const nameRow = categoryNameKey('u1', 'Coffee');

    expect(nameRow.SK).toBe('CATNAME#coffee');
    expect(nameRow.SK.startsWith('CAT#')).toBe(false);
  });

  it('normalises category names for uniqueness: trimmed and case-insensitive', () => {
    expect(normalizedCategoryName('  Coffee Shops ')).toBe('coffee shops');
    expect(categoryNameKey('u1', 'COFFEE')).toEqual(categoryNameKey('u1', ' coffee'));
  });

  it('derives the catalog provider from a namespaced category id', () => {
    expect(providerOfCategoryId('plaid:FOOD_AND_DRINK')).toBe('plaid');
    expect(providerOfCategoryId('pluggy:01010000')).toBe('pluggy');
    expect(providerOfCategoryId('usr_01hzx')).toBeNull();
    expect(providerOfCategoryId('other:1')).toBeNull();
    expect(providerOfCategoryId(':plaid')).toBeNull();
  });

  it('sorts transaction dates as text so that newest-first is descending sort-key order', () => {
    const keys = ['2024-01-31#b', '2023-12-31#z', '2024-01-31#a', '2024-02-01#a'];

    const descending = [...keys].sort().reverse();

    expect(descending).toEqual(['2024-02-01#a', '2024-01-31#b', '2024-01-31#a', '2023-12-31#z']);
    // The upper bound used for an inclusive `dateTo` sorts after every id on that day.
    expect(`2024-01-31#${HIGHEST_KEY_CHARACTER}` > '2024-01-31#txn_zzzzzzzz').toBe(true);
    expect(`2024-01-31#${HIGHEST_KEY_CHARACTER}` < '2024-02-01#').toBe(true);
  });
});

describe('unit: due-index sharding', () => {
  it('puts every connection in a shard within range, the same one on every call', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 64 }), (connectionId, shardCount) => {
        const shard = dueShardOf(connectionId, shardCount);
        expect(Number.isInteger(shard)).toBe(true);
        expect(shard).toBeGreaterThanOrEqual(0);
        expect(shard).toBeLessThan(shardCount);
        expect(dueShardOf(connectionId, shardCount)).toBe(shard);
      }),
    );
  });

  it('is pinned to FNV-1a, so shards do not move between releases', () => {
    // FNV-1a 32-bit of "a" is 0xe40c292c and of "foobar" 0xbf9cf968 (published test vectors).
    expect(dueShardOf('a', 2 ** 31)).toBe(0xe40c292c % 2 ** 31);
    expect(dueShardOf('foobar', 1000)).toBe(0xbf9cf968 % 1000);
  });

  it('spreads many connections over all shards', () => {
    const counts = new Array<number>(8).fill(0);
    for (let index = 0; index < 800; index++) counts[dueShardOf(`conn_${index}`, 8)]! += 1;

    for (const count of counts) expect(count).toBeGreaterThan(50);
  });

  it('refuses a shard count that is not a positive integer', () => {
    expect(() => dueShardOf('c1', 0)).toThrow();
    expect(() => dueShardOf('c1', 1.5)).toThrow();
  });
});
