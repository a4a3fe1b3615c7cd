/**
 * Wire schemas of the queue messages. Producers serialise the port types as JSON; workers parse with
 * these schemas before anything else, so a malformed message is rejected at the edge of the worker.
 */
import * as z from '../validation/zod';
import { lazySchema } from '../validation/lazy-schema';
import { providers } from '../banking/model';

export const syncJobMessage = /* @__PURE__ */ lazySchema(() =>
  z.object({
    userId: z.string().check(z.minLength(1)),
    connectionId: z.string().check(z.minLength(1)),
    syncRunId: z.string().check(z.minLength(1)),
    trigger: z.enum(['link', 'manual', 'webhook', 'schedule']),
    deduplicationId: z.optional(z.string().check(z.minLength(1))),
    scheduledFor: z.optional(z.string().check(z.minLength(1))),
    /** Pluggy sends transaction ids in chunks of at most 400 per webhook; the bound leaves room. */
    transactionHint: z.optional(z
      .object({
        providerAccountId: z.nullable(z.string().check(z.minLength(1))),
        updatedIds: z.array(z.string().check(z.minLength(1))).check(z.maxLength(1000)),
        deletedIds: z.array(z.string().check(z.minLength(1))).check(z.maxLength(1000)),
      })),
  }),
);

export const providerWriteMessage = /* @__PURE__ */ lazySchema(() =>
  z.object({
    kind: z.literal('transaction_category'),
    userId: z.string().check(z.minLength(1)),
    transactionId: z.string().check(z.minLength(1)),
    connectionId: z.string().check(z.minLength(1)),
    provider: z.enum(providers),
  }),
);

/** A verified webhook waiting to be applied: a pointer to the stored event (the worker reads the body). */
export const webhookEventMessage = /* @__PURE__ */ lazySchema(() =>
  z.object({
    provider: z.enum(providers),
    eventId: z.string().check(z.minLength(1)),
  }),
);

/** An app event waiting for webhook delivery; `replay` delivers it again even if it was delivered before. */
export const appWebhookMessage = /* @__PURE__ */ lazySchema(() =>
  z.object({
    eventId: z.string().check(z.minLength(1)),
    replay: z.optional(z.boolean()),
  }),
);
