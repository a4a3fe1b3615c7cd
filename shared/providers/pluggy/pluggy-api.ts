/**
 * The Pluggy endpoints this service uses, typed, on top of {@link PluggyClient}. Paths and bodies follow
 * Pluggy's OpenAPI document (pluggy-openapi-readme-2025-11.json, published at https://docs.pluggy.ai/reference) and, for `/v2/transactions`
 * (absent from it), the official SDK's cursor filters (pluggy-node `TransactionCursorFilters`).
 */
import type * as z from 'zod/v4/core';
import { optional } from '../../validation/zod';
import { ProviderError } from '../../errors/app-error';
import { pathSegment, type PluggyClient } from './pluggy-client';
import {
  account,
  anything,
  categoryList,
  connectTokenResponse,
  consent,
  item,
  pageOf,
  transactionCursorPage,
  webhook,
  type PluggyAccount,
  type PluggyCategory,
  type PluggyConsent,
  type PluggyItem,
  type PluggyWebhook,
} from './pluggy-schemas';

export interface ConnectTokenOptions {
  readonly clientUserId?: string;
  readonly webhookUrl?: string;
  readonly oauthRedirectUri?: string;
  readonly avoidDuplicates?: boolean;
}

export interface TransactionQuery {
  readonly accountId: string;
  /** ISO timestamp; only transactions Pluggy recorded at or after it (mutually exclusive with dateFrom). */
  readonly createdAtFrom?: string;
  /** `YYYY-MM-DD`: only transactions dated that day (São Paulo) or later. */
  readonly dateFrom?: string;
  /** Comma-separated ids, at most {@link MAX_TRANSACTION_IDS_PER_QUERY}. */
  readonly ids?: string;
  /** Cursor from the previous page's `next`. */
  readonly after?: string;
}

/** Page-numbered lists answer at most 500 entries a page (SDK PageFilters). */
const MAX_PAGE_SIZE = 500;
/** A bound on pages of consents: an item collects one per renewal. */
const MAX_CONSENT_PAGES = 50;

/** `ids` on `/v2/transactions` takes at most 500 ids (SDK TransactionCursorFilters). */
export const MAX_TRANSACTION_IDS_PER_QUERY = 500;

export class PluggyApi {
  constructor(readonly client: PluggyClient) {}

  async createConnectToken(itemId: string | null, options: ConnectTokenOptions): Promise<string> {
    const response = await this.client.call({
      method: 'POST',
      path: '/connect_token',
      body: { ...(itemId ? { itemId } : {}), options },
      schema: connectTokenResponse,
    });
    return response.accessToken;
  }

  getItem(itemId: string): Promise<PluggyItem> {
    return this.client.call({ method: 'GET', path: `/items/${pathSegment(itemId)}`, schema: item });
  }

  /** The item and Pluggy's time when it answered (its `Date` header; our clock if it sent none). */
  async getItemAt(itemId: string): Promise<{ item: PluggyItem; serverTime: Date }> {
    let serverTime = new Date();
    const found = await this.client.call({
      method: 'GET',
      path: `/items/${pathSegment(itemId)}`,
      schema: item,
      onServerTime: (time) => {
        serverTime = time;
      },
    });
    return { item: found, serverTime };
  }

  /**
   * `PATCH /items/{id}`: "trigger new sync, optionally updating stored credentials" (OAS items-update).
   * Sent once: a repeated credential update counts as another login attempt at the bank.
   */
  updateItem(itemId: string, body: { readonly parameters?: Readonly<Record<string, string>> }): Promise<PluggyItem> {
    return this.client.call({ method: 'PATCH', path: `/items/${pathSegment(itemId)}`, body, schema: item, idempotent: false });
  }

  /** `POST /items/{id}/mfa` with `{<parameter name>: <value>}`; sent once (an MFA code is single-use). */
  submitMfa(itemId: string, parameters: Readonly<Record<string, string>>): Promise<PluggyItem> {
    return this.client.call({
      method: 'POST',
      path: `/items/${pathSegment(itemId)}/mfa`,
      body: parameters,
      schema: item,
      idempotent: false,
    });
  }

  /**
   * `DELETE /items/{id}`: deletes the item and, for Open Finance items, ends the consent ("Consent management:
   * Delete an Item", https://docs.pluggy.ai/en/docs/integration-checklist/consent-management). An item Pluggy no longer knows
   * counts as deleted, so a repeated removal goes through.
   */
  async deleteItem(itemId: string): Promise<void> {
    try {
      await this.client.call({ method: 'DELETE', path: `/items/${pathSegment(itemId)}`, schema: anything });
    } catch (error) {
      if (error instanceof ProviderError && error.kind === 'item_not_found') return;
      throw error;
    }
  }

  /** Pluggy's whole category tree (`GET /categories`), so users can pick any Pluggy category. */
  async listCategories(): Promise<PluggyCategory[]> {
    const response = await this.client.call({ method: 'GET', path: '/categories', schema: categoryList });
    return Array.isArray(response) ? response : response.results;
  }

  listAccounts(itemId: string): Promise<PluggyAccount[]> {
    return this.allPages('/accounts', { itemId }, account);
  }

  /** Every consent of the item: the list is page-numbered, 20 a page by default (SDK ConsentFilters = PageFilters). */
  async listConsents(itemId: string): Promise<PluggyConsent[]> {
    const all: PluggyConsent[] = [];
    for (let page = 1; ; page += 1) {
      const response = await this.client.call({
        method: 'GET',
        path: '/consents',
        query: { itemId, page, pageSize: MAX_PAGE_SIZE },
        schema: pageOf(consent),
      });
      all.push(...response.results);
      if (response.results.length === 0 || page >= (response.totalPages ?? page) || page >= MAX_CONSENT_PAGES) return all;
    }
  }

  /** One page of `/v2/transactions`: the first with a {@link TransactionQuery}, the next ones with the query `next` named. */
  transactionPage(query: TransactionQuery | Readonly<Record<string, string>>) {
    return this.client.call({ method: 'GET', path: '/v2/transactions', query: { ...query }, schema: transactionCursorPage });
  }

  /** Pluggy's category feedback: `PATCH /transactions/{id}` `{categoryId}` (OAS transactions-Update). */
  async updateTransactionCategory(transactionId: string, categoryId: string): Promise<void> {
    await this.client.call({
      method: 'PATCH',
      path: `/transactions/${pathSegment(transactionId)}`,
      body: { categoryId },
      schema: anything,
    });
  }

  /** The registered webhooks; Pluggy answers `204` with no body when there are none (OAS webhooks-list). */
  async listWebhooks(): Promise<PluggyWebhook[]> {
    const response = await this.client.call({ method: 'GET', path: '/webhooks', schema: optional(pageOf(webhook)) });
    return response?.results ?? [];
  }

  createWebhook(input: { url: string; event: string; headers: Readonly<Record<string, string>> }): Promise<PluggyWebhook> {
    return this.client.call({ method: 'POST', path: '/webhooks', body: input, schema: webhook, idempotent: false });
  }

  /**
   * The list endpoints used here (`/accounts`, `/consents`, `/webhooks`) take no page parameters (OAS) and
   * answer every entry in one `{results, page, total, totalPages}` envelope.
   */
  private async allPages<Entry extends z.$ZodType>(
    path: string,
    query: Readonly<Record<string, string>>,
    entry: Entry,
  ): Promise<z.output<Entry>[]> {
    const response = await this.client.call({ method: 'GET', path, query, schema: pageOf(entry) });
    return response.results as z.output<Entry>[];
  }
}
