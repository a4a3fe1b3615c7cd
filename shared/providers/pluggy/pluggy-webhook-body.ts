/**
 * The parts of a Pluggy webhook body this service reads (SDK `WebhookEventPayload`; docs
 * /en/docs/reference/webhooks): every event has `event` and a unique `eventId` (the dedupe key; `id` is the
 * deprecated id of the entity concerned, the same for every event of an item, so it cannot deduplicate);
 * item events name `itemId` and carry `clientId` / `clientUserId`; transaction events name `accountId` and,
 * for updates and deletions, `transactionIds` (sent in chunks of at most 400). Read leniently: Pluggy adds
 * events and fields without notice. The body itself is stored verbatim.
 */
import * as z from '../../validation/zod';
import { lazySchema } from '../../validation/lazy-schema';
import { MalformedJsonError } from '../../errors/app-error';
import { parseWithSchema } from '../../http/validation';
import type { DescribedWebhook } from '../ports';
import { pluggyWebhookHandling } from './pluggy-webhook-events';

export const pluggyWebhookBody = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    event: z.string().check(z.minLength(1), z.maxLength(100)),
    eventId: z.nullish(z.string().check(z.minLength(1), z.maxLength(200))),
    itemId: z.nullish(z.string().check(z.minLength(1), z.maxLength(200))),
    clientId: z.nullish(z.string()),
    clientUserId: z.nullish(z.string()),
    triggeredBy: z.nullish(z.string()),
    accountId: z.nullish(z.string().check(z.minLength(1))),
    transactionIds: z.nullish(z.array(z.string().check(z.minLength(1))).check(z.maxLength(1000))),
    transactionsCreatedAtFrom: z.nullish(z.string()),
    createdTransactionsLink: z.nullish(z.string()),
    error: z.nullish(z.looseObject({ code: z.nullish(z.string()), message: z.nullish(z.string()) })),
    data: z.optional(z.unknown()),
  }),
);

export type PluggyWebhookBody = z.output<typeof pluggyWebhookBody>;

export function parsePluggyWebhook(rawBody: Buffer | string): PluggyWebhookBody {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    throw new MalformedJsonError('Webhook body is not valid JSON');
  }
  return parseWithSchema(pluggyWebhookBody, json, 'body');
}

/**
 * Receipt-side view of a Pluggy webhook. Events about no item (connector/status_updated) have no item id;
 * an event without `eventId` (older payloads) is deduplicated by content like Plaid's. An event the
 * interpreter ignores by its name (one this service does not use) carries the interpreter's note, so the
 * receipt settles it without queueing it.
 */
export function describePluggyWebhook(rawBody: Buffer): DescribedWebhook {
  const body = parsePluggyWebhook(rawBody);
  const handling = pluggyWebhookHandling(body.event);
  return {
    type: body.event,
    providerItemId: body.itemId ?? null,
    providerEventId: body.eventId ?? null,
    aboutProvider: !body.itemId && body.event.startsWith('connector/'),
    ...(handling.kind === 'ignore' ? { ignoredNote: handling.note } : {}),
  };
}
