/**
 * The benchmark's WRU estimate follows DynamoDB's rules for global secondary indexes
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations):
 * an index is written only when the item enters, leaves, changes a key of, or changes a projected attribute
 * of it, and each index write is sized by the projected entry, not by the table item.
 */
import { describe, expect, it } from 'vitest';
import { failedConditionUnits, indexEntry, writeUnitsOf, type EstimatedIndex } from '../../bench/aws-request-counter';

const all: EstimatedIndex = { name: 'ALLX', partitionKey: 'XPK', sortKey: 'XSK' };
const keysOnly: EstimatedIndex = { name: 'KEYS', partitionKey: 'KPK', sortKey: 'KSK', projection: { type: 'KEYS_ONLY' } };
const include: EstimatedIndex = { name: 'INC', partitionKey: 'IPK', sortKey: 'ISK', projection: { type: 'INCLUDE', attributes: ['status'] } };
const indexes = [all, keysOnly, include];

const s = (value: string) => ({ S: value });
const big = s('x'.repeat(1500));

function item(extra: Record<string, { S: string }>) {
  return { PK: s('USER#1'), SK: s('CONN#1'), ...extra };
}

describe('writeUnitsOf', () => {
  it('writes a new item to the table and to every index it has both key attributes for', () => {
    const units = writeUnitsOf(null, item({ XPK: s('a'), XSK: s('1'), KPK: s('b'), KSK: s('2'), IPK: s('c') }), indexes);
    // IPK without ISK: not in INC (sparse).
    expect(units).toEqual({ table: 1, indexes: 2, byIndex: { ALLX: 1, KEYS: 1 } });
  });

  it('sizes the table by the larger of before and after, and each index write by its projected entry', () => {
    const after = item({ XPK: s('a'), XSK: s('1'), KPK: s('b'), KSK: s('2'), IPK: s('c'), ISK: s('3'), blob: big, status: s('ok') });
    const units = writeUnitsOf(null, after, indexes);
    expect(units.table).toBe(2);
    // ALL carries the 1.5 KB attribute (2 WRU); KEYS_ONLY and INCLUDE(status) stay under 1 KB.
    expect(units.byIndex).toEqual({ ALLX: 2, KEYS: 1, INC: 1 });
    expect(writeUnitsOf(after, item({ XPK: s('a'), XSK: s('1') }), [all]).table).toBe(2);
  });

  it('writes nothing to an index when the update touches neither its keys nor its projected attributes', () => {
    const before = item({ KPK: s('b'), KSK: s('2'), IPK: s('c'), ISK: s('3'), status: s('ok'), note: s('old') });
    const after = { ...before, note: s('new') };
    expect(writeUnitsOf(before, after, [keysOnly, include])).toEqual({ table: 1, indexes: 0, byIndex: {} });
  });

  it('writes once when a projected attribute changes, twice (delete + put) when an index key changes', () => {
    const before = item({ IPK: s('c'), ISK: s('3'), status: s('ok') });
    expect(writeUnitsOf(before, { ...before, status: s('broken') }, [include]).byIndex).toEqual({ INC: 1 });
    expect(writeUnitsOf(before, { ...before, ISK: s('4') }, [include]).byIndex).toEqual({ INC: 2 });
    // KEYS_ONLY does not carry status: no index write for it.
    const keyed = item({ KPK: s('b'), KSK: s('2'), status: s('ok') });
    expect(writeUnitsOf(keyed, { ...keyed, status: s('broken') }, [keysOnly]).indexes).toBe(0);
  });

  it('writes once when the item leaves an index, and nothing for an index it is in neither before nor after', () => {
    const before = item({ IPK: s('c'), ISK: s('3'), status: s('ok') });
    const after = item({ status: s('ok') });
    expect(writeUnitsOf(before, after, indexes)).toEqual({ table: 1, indexes: 1, byIndex: { INC: 1 } });
    expect(writeUnitsOf(before, null, [include]).byIndex).toEqual({ INC: 1 });
  });

  it('prices a failed condition by the stored item, at least 1, and no index', () => {
    expect(failedConditionUnits(null)).toBe(1);
    expect(failedConditionUnits(item({ blob: big }))).toBe(2);
  });
});

describe('indexEntry', () => {
  it('holds the table keys, the index keys and the projected attributes only', () => {
    const row = item({ IPK: s('c'), ISK: s('3'), status: s('ok'), access_token: s('secret') });
    expect(indexEntry(row, include)).toEqual({ PK: s('USER#1'), SK: s('CONN#1'), IPK: s('c'), ISK: s('3'), status: s('ok') });
    expect(indexEntry(row, all)).toBeNull();
  });
});
