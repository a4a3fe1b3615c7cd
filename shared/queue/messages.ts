/**
 * Wire schemas of the queue messages. Producers serialise the port types as JSON; workers parse with
 * these schemas before anything else, so a malformed message is rejected at the edge of the worker.
 */
import { z } from 'zod';
import { providers } from '../banking/model';

export const syncJobMessage = z.object({
  userId: z.string().min(1),
  connectionId: z.string().min(1),
  syncRunId: z.string().min(1),
  trigger: z.enum(['link', 'manual', 'webhook', 'schedule']),
  deduplicationId: z.string().min(1).optional(),
  /** Pluggy sends transaction ids in chunks of at most 400 per webhook; the bound leaves room. */
  transactionHint: z
    .object({
      providerAccountId: z.string().min(1).nullable(),
      updatedIds: z.array(z.string().min(1)).max(1000),
      deletedIds: z.array(z.string().min(1)).max(1000),
    })
    .optional(),
});

export const providerWriteMessage = z.object({
  kind: z.literal('transaction_category'),
  userId: z.string().min(1),
  transactionId: z.string().min(1),
  connectionId: z.string().min(1),
  provider: z.enum(providers),
});

/** A verified webhook waiting to be applied: a pointer to the stored event (the worker reads the body). */
export const webhookEventMessage = z.object({
  provider: z.enum(providers),
  eventId: z.string().min(1),
});

/** An app event waiting for webhook delivery; `replay` delivers it again even if it was delivered before. */
export const appWebhookMessage = z.object({
  eventId: z.string().min(1),
  replay: z.boolean().optional(),
});
