/**
 * `TransactWriteItems` with its failure translated into domain errors.
 *
 * When a transaction is cancelled, DynamoDB reports one `CancellationReasons` entry per action, in request
 * order, with `Code: "ConditionalCheckFailed"` on the actions whose condition did not hold
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html). Each action
 * here says which error its failed condition means (a taken guard row, a stale `updated_at`, a missing row),
 * so callers get `ItemAlreadyExistsError` / `ConflictError` / `NotFoundError` instead of an SDK exception.
 * Cancellations for other reasons (`TransactionConflict` with a concurrent writer, throttling) are rethrown
 * unchanged: they are transient and the caller's retry policy applies.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError } from '../../errors/app-error';
import type { StoredItem, TableRef } from './table';

/** DynamoDB's cap on actions in one `TransactWriteItems` call. */
export const MAX_TRANSACTION_ACTIONS = 100;

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface ConditionFailure {
  /**
   * Whether the row existed when the condition failed. Only meaningful for actions that ask for
   * `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'` (DynamoDB then returns the current row with the reason).
   */
  readonly rowExists: boolean;
}

export interface TransactAction {
  readonly item: TransactItem;
  /** The error a failed condition on this action means; defaults to a concurrent-update conflict. */
  readonly onConditionFailed?: (failure: ConditionFailure) => Error;
}

interface CancellationReason {
  readonly Code?: string;
  readonly Item?: unknown;
}

export function concurrentUpdateError(resource: string): ConflictError {
  return new ConflictError('CONCURRENT_UPDATE', `The ${resource} was changed by another request; read it again and retry`);
}

/** The error a cancelled transaction stands for, or null when it was not cancelled by a failed condition. */
export function errorForCancellation(error: unknown, actions: readonly TransactAction[]): Error | null {
  if (!isNamedError(error, 'TransactionCanceledException')) return null;
  const reasons = (error as { CancellationReasons?: readonly CancellationReason[] }).CancellationReasons ?? [];
  const failedIndex = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
  if (failedIndex < 0) return null;
  const action = actions[failedIndex];
  return action?.onConditionFailed?.({ rowExists: reasons[failedIndex]?.Item !== undefined }) ?? concurrentUpdateError('item');
}

/**
 * Applies all actions atomically (at most 100).
 *
 * @example
 * await transactWrite(table, [
 *   { item: { Put: { TableName, Item: guard, ConditionExpression: 'attribute_not_exists(PK)' } },
 *     onConditionFailed: () => new ItemAlreadyExistsError() },
 * ]);
 */
export async function transactWrite(table: TableRef, actions: readonly TransactAction[]): Promise<void> {
  if (actions.length === 0) return;
  if (actions.length > MAX_TRANSACTION_ACTIONS) {
    throw new Error(`A DynamoDB transaction holds at most ${MAX_TRANSACTION_ACTIONS} actions, got ${actions.length}`);
  }
  try {
    await table.client.send(new TransactWriteCommand({ TransactItems: actions.map((action) => action.item) }));
  } catch (error) {
    throw errorForCancellation(error, actions) ?? error;
  }
}

export function isNamedError(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

/** A single-item write whose `ConditionExpression` did not hold. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return isNamedError(error, 'ConditionalCheckFailedException');
}

/**
 * The stored row a failed single-item condition returned (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), or
 * null when there was none (the row does not exist). The document client leaves it in wire format on errors.
 */
export function conditionFailureItem(error: unknown): StoredItem | null {
  const item = (error as { Item?: Record<string, unknown> } | null)?.Item;
  if (!item || Object.keys(item).length === 0) return null;
  const pk = item.PK;
  const wire = typeof pk === 'object' && pk !== null && 'S' in pk;
  return wire ? (unmarshall(item as Record<string, AttributeValue>) as StoredItem) : item;
}
