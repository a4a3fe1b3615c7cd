/**
 * DynamoConnectionStore and DynamoAccountStore against the emulator: atomic creation with duplicate-item
 * guards, lookups by provider item, optimistic locking, the sharded due index, and deletion with guards.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';
import { DynamoAccountStore } from '../../shared/adapters/dynamodb/account-store';
import { DynamoConnectionStore } from '../../shared/adapters/dynamodb/connection-store';
import { connectionKey, dueShardOf } from '../../shared/adapters/dynamodb/entities/connection';
import { itemGuardKey } from '../../shared/adapters/dynamodb/entities/item-guard';
import { itemPointerKey } from '../../shared/adapters/dynamodb/entities/item-pointer';
import type { Connection } from '../../shared/banking/model';
import type { DueConnection } from '../../shared/banking/ports';
import { ConflictError, ItemAlreadyExistsError, NotFoundError, ValidationError } from '../../shared/errors/app-error';
import { makeAccount, makeConnection, makeGuard, uniqueId } from '../helpers/dynamodb-fixtures';
import { createPrivateTable } from '../helpers/dynamodb-table';
import { commandsSentDuring } from '../helpers/dynamodb-commands';
import { seedLegacyAccount, seedLegacyConnection as seedLegacy } from '../helpers/legacy-rows';

// A private table: this file pages over whole partitions and indexes (see tests/helpers/dynamodb-table.ts).
const privateTable = await createPrivateTable('connections');
afterAll(() => privateTable.drop());
const tableName = privateTable.tableName;
const shardCount = 4;
const connections = new DynamoConnectionStore({ tableName, dueIndexShards: shardCount });
const accounts = new DynamoAccountStore({ tableName });
const client = dynamoDocumentClient();

async function userPartitionRows(userId: string): Promise<string[]> {
  const output = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': `USER#${userId}` },
      ConsistentRead: true,
    }),
  );
  return (output.Items ?? []).map((item) => item.SK as string).sort();
}

async function rawRow(key: { PK: string; SK: string }): Promise<Record<string, unknown> | undefined> {
  return (await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
}

function pointerKeyOf(connection: Connection) {
  return itemPointerKey({ provider: connection.provider, providerItemId: connection.providerItemId, connectionId: connection.connectionId });
}

const seedLegacyConnection = (connection: Connection) => seedLegacy(tableName, connection, shardCount);

describe('DynamoConnectionStore.createWithAccounts', () => {
  it('writes the connection, its accounts and its guards together', async () => {
    // Prepare
    const connection = makeConnection();
    const linked = [makeAccount(connection), makeAccount(connection, { type: 'savings', mask: '1111' })];
    const guards = [makeGuard(connection, 'fp-checking-0000'), makeGuard(connection, 'fp-savings-1111')];

    // Act
    await connections.createWithAccounts(connection, linked, guards);

    // Assess
    expect(await connections.get(connection.userId, connection.connectionId)).toEqual(connection);
    expect((await accounts.listByConnection(connection.userId, connection.connectionId)).map((a) => a.accountId).sort()).toEqual(
      linked.map((a) => a.accountId).sort(),
    );
    expect(await connections.findGuards(connection.userId, 'plaid', connection.institution.id, ['fp-savings-1111', 'fp-other'])).toEqual([
      guards[1],
    ]);
    expect(await userPartitionRows(connection.userId)).toHaveLength(5);
  });

  it('refuses a second link of the same bank login and writes nothing of it', async () => {
    // Prepare: a first connection holding the guard.
    const first = makeConnection();
    await connections.createWithAccounts(first, [makeAccount(first)], [makeGuard(first, 'fp-checking-0000')]);
    const before = await userPartitionRows(first.userId);
    const second = makeConnection({ userId: first.userId });
    const secondAccounts = [makeAccount(second), makeAccount(second)];

    // Act
    const attempt = connections.createWithAccounts(second, secondAccounts, [
      makeGuard(second, 'fp-new-9999'),
      makeGuard(second, 'fp-checking-0000'),
    ]);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ItemAlreadyExistsError);
    expect(await userPartitionRows(first.userId)).toEqual(before);
    expect(await connections.get(first.userId, second.connectionId)).toBeNull();
    const guard = await client.send(
      new GetCommand({ TableName: tableName, Key: itemGuardKey(makeGuard(first, 'fp-checking-0000')), ConsistentRead: true }),
    );
    expect(guard.Item?.connection_id).toBe(first.connectionId);
  });

  it('lets another user link the same bank login', async () => {
    const mine = makeConnection();
    const theirs = makeConnection();
    await connections.createWithAccounts(mine, [], [makeGuard(mine, 'fp-shared')]);

    await connections.createWithAccounts(theirs, [], [makeGuard(theirs, 'fp-shared')]);

    expect(await connections.get(theirs.userId, theirs.connectionId)).toEqual(theirs);
  });

  it('writes connection and guards first, then the accounts, when the whole exceeds one transaction', async () => {
    const connection = makeConnection();
    const many = Array.from({ length: 120 }, () => makeAccount(connection));

    await connections.createWithAccounts(connection, many, [makeGuard(connection, 'fp-a'), makeGuard(connection, 'fp-b')]);

    expect(await accounts.listByConnection(connection.userId, connection.connectionId)).toHaveLength(120);
    expect(await accounts.listByUser(connection.userId)).toHaveLength(120);
    expect(await connections.findGuards(connection.userId, 'plaid', connection.institution.id, ['fp-a', 'fp-b'])).toHaveLength(2);
  });
});

describe('DynamoConnectionStore lookups and updates', () => {
  it('finds a connection by provider item id and lists a user’s connections', async () => {
    const first = makeConnection({ provider: 'pluggy' });
    const second = makeConnection({ userId: first.userId });
    await connections.createWithAccounts(first, [], []);
    await connections.createWithAccounts(second, [], []);

    expect(await connections.findByProviderItem('pluggy', first.providerItemId)).toEqual({ userId: first.userId, connectionId: first.connectionId });
    expect(await connections.findByProviderItem('plaid', second.providerItemId)).toEqual({ userId: second.userId, connectionId: second.connectionId });
    expect(await connections.findByProviderItem('plaid', first.providerItemId)).toBeNull();
    expect(await connections.findByProviderItem('pluggy', uniqueId('item'))).toBeNull();
    expect((await connections.listByUser(first.userId)).map((c) => c.connectionId).sort()).toEqual(
      [first.connectionId, second.connectionId].sort(),
    );
    expect(await connections.get(uniqueId('user'), first.connectionId)).toBeNull();
  });

  it('keeps the connection row out of GSI1: a pointer row leads from the provider item to it', async () => {
    const connection = makeConnection();
    await connections.createWithAccounts(connection, [], [makeGuard(connection, 'fp-1')]);
    await connections.save({ ...connection, status: 'syncing', updatedAt: '2024-05-01T11:00:00.000Z' }, connection.updatedAt);

    const row = await rawRow(connectionKey(connection.userId, connection.connectionId));
    expect(Object.keys(row ?? {}).filter((name) => name.startsWith('GSI1'))).toEqual([]);
    expect(await rawRow(pointerKeyOf(connection))).toEqual({
      ...pointerKeyOf(connection),
      entity: 'item_pointer',
      user_id: connection.userId,
      connection_id: connection.connectionId,
    });
  });

  it('still finds a connection written before item pointers, and gives it its pointer at its next save', async () => {
    // Prepare: a row as an earlier version left it (GSI1 keys, no pointer).
    const legacy = makeConnection({ provider: 'pluggy' });
    await seedLegacyConnection(legacy);
    const ref = { userId: legacy.userId, connectionId: legacy.connectionId };
    expect(await rawRow(pointerKeyOf(legacy))).toBeUndefined();

    // Act + Assess: found through GSI1 until it is saved.
    expect(await connections.findByProviderItem('pluggy', legacy.providerItemId)).toEqual(ref);
    const saved: Connection = { ...legacy, status: 'syncing', updatedAt: '2024-05-01T11:00:00.000Z' };
    await expect(connections.save({ ...saved, status: 'error' }, '2024-01-01T00:00:00.000Z')).rejects.toMatchObject({ code: 'CONCURRENT_UPDATE' });
    expect(await rawRow(pointerKeyOf(legacy))).toBeUndefined();
    await connections.save(saved, legacy.updatedAt);

    // Assess: the row left GSI1, the pointer took over, and later saves are plain ones.
    expect(await connections.get(legacy.userId, legacy.connectionId)).toEqual(saved);
    const row = await rawRow(connectionKey(legacy.userId, legacy.connectionId));
    expect(row).not.toHaveProperty('GSI1PK');
    expect(row).not.toHaveProperty('GSI1SK');
    expect(await rawRow(pointerKeyOf(legacy))).toMatchObject({ user_id: legacy.userId, connection_id: legacy.connectionId });
    expect(await connections.findByProviderItem('pluggy', legacy.providerItemId)).toEqual(ref);
    const next: Connection = { ...saved, status: 'healthy', updatedAt: '2024-05-01T11:00:01.000Z' };
    await connections.save(next, saved.updatedAt);
    expect(await connections.get(legacy.userId, legacy.connectionId)).toEqual(next);
    await expect(connections.save({ ...next, status: 'error' }, saved.updatedAt)).rejects.toMatchObject({ code: 'CONCURRENT_UPDATE' });

    // Act + Assess: deleting it removes the pointer too.
    await connections.delete(next);
    expect(await rawRow(pointerKeyOf(legacy))).toBeUndefined();
    expect(await connections.findByProviderItem('pluggy', legacy.providerItemId)).toBeNull();
  });

  it('deletes a connection written before item pointers without leaving it findable', async () => {
    const legacy = makeConnection();
    await seedLegacyConnection(legacy);

    await connections.delete(legacy);

    expect(await connections.findByProviderItem('plaid', legacy.providerItemId)).toBeNull();
    await expect(connections.save({ ...legacy, updatedAt: '2024-05-01T11:00:00.000Z' }, legacy.updatedAt)).rejects.toBeInstanceOf(NotFoundError);
    expect(await rawRow(pointerKeyOf(legacy))).toBeUndefined();
  });

  it('saves only over the version the caller read (optimistic locking)', async () => {
    // Prepare
    const connection = makeConnection();
    await connections.createWithAccounts(connection, [], []);
    const firstWriter: Connection = { ...connection, status: 'syncing', updatedAt: '2024-05-01T11:00:00.000Z' };
    const secondWriter: Connection = { ...connection, status: 'login_required', updatedAt: '2024-05-01T11:00:01.000Z' };

    // Act
    await connections.save(firstWriter, connection.updatedAt);
    const stale = connections.save(secondWriter, connection.updatedAt);

    // Assess
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toMatchObject({ code: 'CONCURRENT_UPDATE' });
    expect(await connections.get(connection.userId, connection.connectionId)).toEqual(firstWriter);
  });

  it('notes a join on the pending sync it names only, moving the version; the note survives a save', async () => {
    const connection = makeConnection();
    await connections.createWithAccounts(connection, [], []);
    const pending = { syncRunId: 'run_pending', requestedAt: '2024-05-01T11:00:00.000Z' };
    expect(await connections.claimPendingSync(connection.userId, connection.connectionId, pending, '2024-05-01T10:45:00.000Z')).toEqual({ claimed: true, pending });

    expect(await connections.joinPendingSync(connection.userId, connection.connectionId, 'run_other', '2024-05-01T11:00:01.000Z')).toBe(false);
    expect(await connections.joinPendingSync(connection.userId, connection.connectionId, 'run_pending', '2024-05-01T11:00:02.000Z')).toBe(true);
    const joined = await connections.get(connection.userId, connection.connectionId);
    expect(joined).toMatchObject({ pendingSync: { ...pending, joinedAt: '2024-05-01T11:00:02.000Z' }, updatedAt: '2024-05-01T11:00:02.000Z' });
    // A writer holding the copy from before the note must read again (the sync engine's commit does).
    await expect(connections.save({ ...connection, updatedAt: '2024-05-01T11:00:03.000Z' }, '2024-05-01T11:00:00.000Z')).rejects.toBeInstanceOf(ConflictError);
    await connections.save({ ...joined!, status: 'healthy', updatedAt: '2024-05-01T11:00:03.000Z' }, joined!.updatedAt);
    expect((await connections.get(connection.userId, connection.connectionId))?.pendingSync).toEqual({ ...pending, joinedAt: '2024-05-01T11:00:02.000Z' });

    await connections.releasePendingSync(connection.userId, connection.connectionId, 'run_pending', '2024-05-01T11:00:04.000Z');
    expect(await connections.joinPendingSync(connection.userId, connection.connectionId, 'run_pending', '2024-05-01T11:00:05.000Z')).toBe(false);
    expect((await connections.get(connection.userId, connection.connectionId))?.pendingSync ?? null).toBeNull();
  });

  it('answers a refused claim with the sync pending, read from the failed write itself, and a claim on a missing connection as not found', async () => {
    const connection = makeConnection();
    await connections.createWithAccounts(connection, [], []);
    const pending = { syncRunId: 'run_first', requestedAt: '2024-05-01T11:00:00.000Z' };
    await connections.claimPendingSync(connection.userId, connection.connectionId, pending, '2024-05-01T10:45:00.000Z');

    const second = { syncRunId: 'run_second', requestedAt: '2024-05-01T11:00:01.000Z' };
    expect(await connections.claimPendingSync(connection.userId, connection.connectionId, second, '2024-05-01T10:45:01.000Z')).toEqual({ claimed: false, pending });
    // A marker older than the join window is taken over.
    expect(await connections.claimPendingSync(connection.userId, connection.connectionId, second, '2024-05-01T11:00:00.500Z')).toEqual({ claimed: true, pending: second });
    await expect(connections.claimPendingSync(connection.userId, 'conn_missing', second, '2024-05-01T10:45:01.000Z')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reports a save of a deleted connection as not found', async () => {
    const connection = makeConnection();

    await expect(connections.save(connection, connection.updatedAt)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('keeps the due index in step with nextSyncAt', async () => {
    const connection = makeConnection({ nextSyncAt: '2024-05-02T00:00:00.000Z' });
    await connections.createWithAccounts(connection, [], []);

    const paused: Connection = { ...connection, nextSyncAt: null, status: 'login_required', updatedAt: '2024-05-01T12:00:00.000Z' };
    await connections.save(paused, connection.updatedAt);

    const raw = await client.send(
      new GetCommand({ TableName: tableName, Key: connectionKey(connection.userId, connection.connectionId), ConsistentRead: true }),
    );
    expect(raw.Item).not.toHaveProperty('GSI2PK');
    expect(raw.Item).not.toHaveProperty('GSI2SK');
    expect(raw.Item).not.toHaveProperty('next_sync_at');
  });

  it('deletes the connection with its guard rows, so the bank login can be linked again', async () => {
    const connection = makeConnection();
    const sibling = makeConnection({ userId: connection.userId, institution: { id: 'ins_other', name: 'Other' } });
    await connections.createWithAccounts(connection, [], [makeGuard(connection, 'fp-1'), makeGuard(connection, 'fp-2')]);
    await connections.createWithAccounts(sibling, [], [makeGuard(sibling, 'fp-1')]);

    await connections.delete(connection);

    expect(await userPartitionRows(connection.userId)).toEqual(
      [`CONN#${sibling.connectionId}`, `GUARD#plaid#ins_other#fp-1`].sort(),
    );
    expect(await rawRow(pointerKeyOf(connection))).toBeUndefined();
    expect(await connections.findByProviderItem('plaid', connection.providerItemId)).toBeNull();
    expect(await connections.findByProviderItem('plaid', sibling.providerItemId)).toEqual({ userId: sibling.userId, connectionId: sibling.connectionId });
    const relinked = makeConnection({ userId: connection.userId });
    await connections.createWithAccounts(relinked, [], [makeGuard(relinked, 'fp-1')]);
    expect(await connections.get(relinked.userId, relinked.connectionId)).toEqual(relinked);
  });
});

describe('DynamoConnectionStore.listDue', () => {
  it('lists, across all shards, exactly the connections due by the given time, oldest first per shard', async () => {
    // Prepare: due times long before those of the other connections this file creates.
    const due = Array.from({ length: 9 }, (_, index) =>
      makeConnection({ nextSyncAt: `1971-01-01T0${index}:00:00.000Z` }),
    );
    const dueAtTheBoundary = makeConnection({ nextSyncAt: '1971-01-01T12:00:00.000Z' });
    const notYetDue = makeConnection({ nextSyncAt: '1971-01-01T12:00:00.001Z' });
    const paused = makeConnection({ nextSyncAt: null, status: 'login_required' });
    for (const connection of [...due, dueAtTheBoundary, notYetDue, paused]) await connections.createWithAccounts(connection, [], []);

    // Act: every shard, two per page.
    const listed: DueConnection[] = [];
    for (let shard = 0; shard < shardCount; shard++) {
      const inShard: DueConnection[] = [];
      let cursor: string | null = null;
      do {
        const page = await connections.listDue(shard, null, '1971-01-01T12:00:00.000Z', cursor, 2);
        inShard.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(inShard.every((connection) => dueShardOf(connection.connectionId, shardCount) === shard)).toBe(true);
      const times = inShard.map((connection) => connection.nextSyncAt!);
      expect(times).toEqual([...times].sort());
      listed.push(...inShard);
    }

    // Assess
    expect(listed.map((connection) => connection.connectionId).sort()).toEqual(
      [...due, dueAtTheBoundary].map((connection) => connection.connectionId).sort(),
    );
    expect(new Set(listed.map((connection) => dueShardOf(connection.connectionId, shardCount))).size).toBeGreaterThan(1);
    // The index projects what the scheduler reads, never the token.
    const sample = listed.find((connection) => connection.connectionId === dueAtTheBoundary.connectionId)!;
    expect(sample).toEqual({
      userId: dueAtTheBoundary.userId,
      connectionId: dueAtTheBoundary.connectionId,
      provider: dueAtTheBoundary.provider,
      institution: dueAtTheBoundary.institution,
      status: dueAtTheBoundary.status,
      nextSyncAt: dueAtTheBoundary.nextSyncAt,
    });

    // Act: only what fell due after a time (exclusive), up to another (inclusive).
    const later: string[] = [];
    for (let shard = 0; shard < shardCount; shard++) {
      const page = await connections.listDue(shard, '1971-01-01T04:00:00.000Z', '1971-01-01T12:00:00.000Z', null, 50);
      later.push(...page.items.map((connection) => connection.nextSyncAt!));
    }
    expect(later.sort()).toEqual([...due.slice(5), dueAtTheBoundary].map((connection) => connection.nextSyncAt!).sort());
  });

  it('claims a shard\'s due window forward only, one run at a time, and remembers the marks a lease back', async () => {
    const shard = shardCount - 1;
    const racing = await Promise.all([0, 1, 2].map(() => connections.claimDueWindow(shard, '1972-01-01T00:00:00.000Z', '1971-12-31T22:00:00.000Z')));
    expect(racing.filter((claim) => claim === 'taken')).toHaveLength(2);
    expect(racing.find((claim) => claim !== 'taken')).toEqual({ after: null, overdueUntil: null });
    expect(await connections.claimDueWindow(shard, '1971-12-31T23:00:00.000Z', '1971-12-31T21:00:00.000Z')).toBe('taken');
    expect(await connections.claimDueWindow(shard, '1972-01-01T00:15:00.000Z', '1971-12-31T22:15:00.000Z')).toEqual({
      after: '1972-01-01T00:00:00.000Z',
      overdueUntil: null,
    });
    expect(await connections.claimDueWindow(shard, '1972-01-01T02:05:00.000Z', '1972-01-01T00:05:00.000Z')).toEqual({
      after: '1972-01-01T00:15:00.000Z',
      overdueUntil: '1972-01-01T00:00:00.000Z',
    });
  });

  it('reads the claim marks of all shards with one consistent BatchGetItem, and gives each racing shard to one run', async () => {
    const shards = [0, 1];
    const sent = await commandsSentDuring(async () => {
      const first = await connections.claimDueWindows(shards, '1975-01-01T00:00:00.000Z', '1974-12-31T22:00:00.000Z');
      expect(first).toEqual(shards.map(() => ({ status: 'fulfilled', value: { after: null, overdueUntil: null } })));
    });
    expect(sent).toEqual(['BatchGetItemCommand', 'PutItemCommand', 'PutItemCommand']);

    // Two runs of the next tick: each shard's mark moves once; the run that lost a shard re-reads it ('taken').
    const racing = await Promise.all([0, 1].map(() => connections.claimDueWindows(shards, '1975-01-01T00:15:00.000Z', '1974-12-31T22:15:00.000Z')));
    for (const index of shards.keys()) {
      const outcomes = racing.map((run) => run[index]!);
      expect(outcomes.every((outcome) => outcome.status === 'fulfilled')).toBe(true);
      const values = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value);
      expect(values.filter((value) => value === 'taken')).toHaveLength(1);
      expect(values.find((value) => value !== 'taken')).toEqual({ after: '1975-01-01T00:00:00.000Z', overdueUntil: null });
    }
    await expect(connections.claimDueWindows([shardCount], '1975-01-01T00:30:00.000Z', '1974-12-31T22:30:00.000Z')).rejects.toThrow(/Shard/);
  });

  it('refuses a shard outside the configured range and a cursor of another shard', async () => {
    await expect(connections.listDue(shardCount, null, '1971-01-02T00:00:00.000Z', null, 5)).rejects.toThrow(/Shard/);
    const forged = Buffer.from(
      JSON.stringify({ PK: 'USER#u', SK: 'CONN#c', GSI2PK: 'DUE#1', GSI2SK: '1971-01-01T00:00:00.000Z#c' }),
    ).toString('base64url');
    await expect(connections.listDue(0, null, '1971-01-02T00:00:00.000Z', forged, 5)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('DynamoAccountStore', () => {
  it('upserts, lists and deletes accounts, never across users', async () => {
    // Prepare
    const connection = makeConnection();
    const batch = Array.from({ length: 30 }, () => makeAccount(connection));

    // Act
    await accounts.putMany(batch);
    await accounts.putMany([{ ...batch[0]!, balances: { ...batch[0]!.balances, current: '42.10' } }]);

    // Assess
    expect(await accounts.get(connection.userId, batch[0]!.accountId)).toMatchObject({ balances: { current: '42.10' } });
    expect(await accounts.listByUser(connection.userId)).toHaveLength(30);
    expect(await accounts.listByConnection(uniqueId('user'), connection.connectionId)).toEqual([]);
    expect(await accounts.get(uniqueId('user'), batch[0]!.accountId)).toBeNull();

    await accounts.deleteMany(batch);
    expect(await accounts.listByConnection(connection.userId, connection.connectionId)).toEqual([]);
  });

  it('lists the accounts of a connection from the user\'s partition, including rows written with GSI1 keys, and writes none', async () => {
    // Prepare: two connections of one user; one account row as earlier versions wrote it (in GSI1).
    const connection = makeConnection();
    const sibling = makeConnection({ userId: connection.userId });
    const mine = [makeAccount(connection), makeAccount(connection)];
    const legacy = makeAccount(connection);
    await accounts.putMany([...mine, makeAccount(sibling)]);
    await seedLegacyAccount(tableName, legacy);

    // Act
    const listed = await accounts.listByConnection(connection.userId, connection.connectionId);
    await accounts.putMany([{ ...legacy, balances: { ...legacy.balances, current: '7.00' } }]);

    // Assess
    expect(listed.map((account) => account.accountId).sort()).toEqual([...mine, legacy].map((account) => account.accountId).sort());
    const rewritten = await rawRow({ PK: `USER#${legacy.userId}`, SK: `ACCT#${legacy.accountId}` });
    expect(rewritten).toMatchObject({ balances: { current: '7.00' } });
    expect(Object.keys(rewritten ?? {}).filter((name) => name.startsWith('GSI'))).toEqual([]);
    const written = await rawRow({ PK: `USER#${mine[0]!.userId}`, SK: `ACCT#${mine[0]!.accountId}` });
    expect(Object.keys(written ?? {}).filter((name) => name.startsWith('GSI'))).toEqual([]);
  });
});
