/**
 * What every DynamoDB store needs: the document client and the table name, both handed in by the
 * composition root (the stores read no environment variables, so tests and tools can point them anywhere).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../aws-clients';

/** A stored row as the document client returns it: attribute name → plain JS value. */
export type StoredItem = Record<string, unknown>;

/** The table's primary key. Every entity overloads the same two generic attributes. */
export interface PrimaryKey {
  readonly PK: string;
  readonly SK: string;
}

export interface StoreOptions {
  readonly tableName: string;
  /** Defaults to the per-container client from `aws-clients` (which honours `AWS_ENDPOINT_URL`). */
  readonly client?: DynamoDBDocumentClient;
}

export interface TableRef {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

export function tableRef(options: StoreOptions): TableRef {
  if (!options.tableName) throw new Error('A DynamoDB store needs a table name');
  return { client: options.client ?? dynamoDocumentClient(), tableName: options.tableName };
}

/**
 * Global secondary indexes of the banking table and their key attributes, by the key attribute names the
 * entities use (`name` is the index's name in DynamoDB). Mirrors `bankingTable` in
 * `shared/catalog/resources.ts` (a unit test keeps the two in step); the entity modules decide what each
 * index means for their rows.
 */
export const indexes = {
  GSI1: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
  GSI2: { name: 'GSI2v2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  GSI3: { name: 'GSI3', partitionKey: 'GSI3PK', sortKey: 'GSI3SK' },
  GSI4: { name: 'GSI4', partitionKey: 'GSI4PK', sortKey: 'GSI4SK' },
} as const;

export type IndexName = keyof typeof indexes;

/** Attribute DynamoDB's TTL sweeper reads (epoch seconds); matches `bankingTable.timeToLiveAttribute`. */
export const timeToLiveAttribute = 'expires_at';

/**
 * The key attributes DynamoDB puts in `LastEvaluatedKey` for a query on the table or on an index: an index
 * query's start key needs the index key *and* the table key (the table key breaks ties inside the index).
 */
export function keyAttributesOf(index: IndexName | null): readonly string[] {
  if (index === null) return ['PK', 'SK'];
  return ['PK', 'SK', indexes[index].partitionKey, indexes[index].sortKey];
}

/** Copies only the given key attributes out of a stored item (for cursors built from a returned row). */
export function pickKey(item: StoredItem, attributes: readonly string[]): Record<string, string> {
  const key: Record<string, string> = {};
  for (const attribute of attributes) {
    const value = item[attribute];
    if (typeof value !== 'string') throw new Error(`Stored item lacks key attribute ${attribute}`);
    key[attribute] = value;
  }
  return key;
}

/** Sorts after every character our keys contain; closes a key range at the end of a prefix. */
export const HIGHEST_KEY_CHARACTER = '\uffff';
