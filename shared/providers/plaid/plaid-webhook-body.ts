/**
 * The parts of a Plaid webhook body this service reads. Every Plaid webhook shares the envelope
 * `webhook_type`, `webhook_code`, `item_id`, `environment` (https://plaid.com/docs/api/webhooks/); the rest
 * depends on the code and is read leniently where it is used, because Plaid adds fields and codes without
 * notice. The body itself is stored verbatim, never re-serialised.
 */
import * as z from '../../validation/zod';
import { lazySchema } from '../../validation/lazy-schema';
import { MalformedJsonError } from '../../errors/app-error';
import { parseWithSchema } from '../../http/validation';
import type { DescribedWebhook } from '../ports';
import { plaidWebhookHandling } from './plaid-webhook-codes';

export const plaidWebhookEnvelope = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    webhook_type: z.string().check(z.minLength(1)),
    webhook_code: z.string().check(z.minLength(1)),
    // Item-level webhooks always name the Item; a few product webhooks (e.g. Link events) have none.
    item_id: z.nullish(z.string().check(z.minLength(1))),
  }),
);

export type PlaidWebhookEnvelope = z.output<typeof plaidWebhookEnvelope>;

export function parsePlaidWebhook(rawBody: Buffer | string): PlaidWebhookEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    throw new MalformedJsonError('Webhook body is not valid JSON');
  }
  return parseWithSchema(plaidWebhookEnvelope, json, 'body');
}

/** Event type as stored and counted, e.g. `TRANSACTIONS/SYNC_UPDATES_AVAILABLE`. */
export function plaidEventType(body: Pick<PlaidWebhookEnvelope, 'webhook_type' | 'webhook_code'>): string {
  return `${body.webhook_type}/${body.webhook_code}`;
}

/**
 * Webhooks whose identical bytes announce something new each time: SYNC_UPDATES_AVAILABLE carries only the
 * Item id and two completion flags, so every "the Item has new changes" after the history is complete is
 * the same body (https://plaid.com/docs/api/products/transactions/#sync_updates_available). Status
 * webhooks are not repeatable: the same ERROR body again says nothing new, and re-applying a late copy
 * could undo a repair that happened meanwhile.
 */
const REPEATABLE_TYPES: ReadonlySet<string> = new Set(['TRANSACTIONS/SYNC_UPDATES_AVAILABLE']);

/**
 * Receipt-side view of a Plaid webhook. Plaid sends no event id; the receipt use-case derives one. A webhook
 * the interpreter ignores by its type and code (the legacy TRANSACTIONS codes Plaid sends alongside every
 * SYNC_UPDATES_AVAILABLE, products this service does not use) carries the interpreter's note, so the receipt
 * settles it without queueing it.
 */
export function describePlaidWebhook(rawBody: Buffer): DescribedWebhook {
  const body = parsePlaidWebhook(rawBody);
  const type = plaidEventType(body);
  const handling = plaidWebhookHandling(body.webhook_type, body.webhook_code);
  return {
    type,
    providerItemId: body.item_id ?? null,
    providerEventId: null,
    repeatable: REPEATABLE_TYPES.has(type),
    ...(handling.kind === 'ignore' ? { ignoredNote: handling.note } : {}),
  };
}
