/**
 * Loading a resource on behalf of a user. Every lookup is keyed by the caller's user id, so another user's
 * resource is simply absent: the caller gets the same 404 as for an id that never existed, and learns
 * nothing about other users' data.
 */
import { NotFoundError } from '../errors/app-error';
import type { Account, Connection, Transaction } from './model';
import type { AccountStore, ConnectionReader, TransactionReader } from './ports';

export async function requireConnection(store: ConnectionReader, userId: string, connectionId: string): Promise<Connection> {
  const connection = await store.get(userId, connectionId);
  if (!connection) throw new NotFoundError('connection');
  return connection;
}

export async function requireAccount(store: AccountStore, userId: string, accountId: string): Promise<Account> {
  const account = await store.get(userId, accountId);
  if (!account) throw new NotFoundError('account');
  return account;
}

export async function requireTransaction(
  store: TransactionReader,
  userId: string,
  transactionId: string,
): Promise<Transaction> {
  const transaction = await store.get(userId, transactionId);
  if (!transaction) throw new NotFoundError('transaction');
  return transaction;
}
