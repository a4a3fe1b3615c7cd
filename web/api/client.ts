/**
 * The typed API client: openapi-fetch over the types openapi-typescript generated from docs/openapi.json
 * (`./schema.d.ts`), so a path, parameter or body field the API does not have is a compile error, and every
 * answer is typed by its status (`data` on success, `error` with the error envelope otherwise).
 *
 * @example
 * const api = createBankingClient({ baseUrl: 'http://127.0.0.1:4000', token: () => jwt });
 * const { data, error } = await api.GET('/api/v1/banking/accounts');
 * const { data: run } = await api.POST('/api/v1/banking/connections/{connectionId}/sync', {
 *   params: { path: { connectionId }, query: { wait: 20 } },
 * });
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };
export type Schemas = components['schemas'];
export type Account = Schemas['Account'];
export type Connection = Schemas['Connection'];
export type Transaction = Schemas['Transaction'];
export type Category = Schemas['Category'];
export type SyncRun = Schemas['SyncRun'];
export type MfaPrompt = Schemas['MfaPrompt'];
export type ErrorEnvelope = Schemas['ErrorEnvelope'];

export type BankingClient = Client<paths>;

export interface BankingClientOptions {
  /** The API's origin (the `/api/v1/...` paths are part of each call). */
  readonly baseUrl: string;
  /** The user's JWT, read on every request (null: call without one). */
  readonly token: () => string | null | Promise<string | null>;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
}

export function createBankingClient(options: BankingClientOptions): BankingClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  client.use({
    async onRequest({ request }) {
      const token = await options.token();
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  });
  return client;
}

/** The error envelope's message, or API Gateway's own `{message}`, or the status. */
export function errorMessage(error: unknown, status: number): string {
  if (typeof error === 'object' && error !== null) {
    const envelope = (error as { error?: { message?: unknown } }).error;
    if (typeof envelope?.message === 'string') return envelope.message;
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return `HTTP ${status}`;
}
