/**
 * Which Pluggy webhook events this service acts on, decided by the `event` name alone: the one table both the
 * interpreter (`pluggy-webhook-interpreter.ts`, whose switch is over this type, so the compiler keeps the two
 * in step) and the receipt (`describePluggyWebhook`, which settles an ignored event without queueing it)
 * read, so they cannot disagree. Pure and free of imports, so the webhook route bundles it at no cost.
 *
 * Events: https://docs.pluggy.ai/en/docs/reference/webhooks (and the SDK's WEBHOOK_EVENTS). Pluggy adds events
 * without notice (payment intents, scheduled payments, boletos, ...); any event not listed is ignored.
 */
export const PLUGGY_HANDLED_EVENTS = [
  'item/created',
  'item/updated',
  'item/error',
  'item/deleted',
  'item/waiting_user_input',
  'item/waiting_user_action',
  'connector/status_updated',
  'transactions/created',
  'transactions/updated',
  'transactions/deleted',
] as const;

export type PluggyHandledEvent = (typeof PLUGGY_HANDLED_EVENTS)[number];

const handledEvents: ReadonlySet<string> = new Set(PLUGGY_HANDLED_EVENTS);

/**
 * Events Pluggy sends in the course of an update that this service reads and leaves alone, with why. Each
 * update sends item/login_succeeded when the login at the institution worked and collecting starts, then
 * item/updated when it ended (https://docs.pluggy.ai/docs/webhooks): the sync waits for the latter.
 */
const NOTED_EVENTS: Readonly<Record<string, string>> = {
  'item/login_succeeded': 'login succeeded; item/updated follows when the update ends',
};

/** What a Pluggy webhook's event name says, before the rest of its body is read. */
export type PluggyWebhookHandling =
  | { readonly kind: 'handle'; readonly event: PluggyHandledEvent }
  /** Ignored whatever the state of the connection; `note` says why (logged by whoever settles it). */
  | { readonly kind: 'ignore'; readonly note: string };

export function pluggyWebhookHandling(event: string): PluggyWebhookHandling {
  if (handledEvents.has(event)) return { kind: 'handle', event: event as PluggyHandledEvent };
  return { kind: 'ignore', note: NOTED_EVENTS[event] ?? `${event} events are not used by this service` };
}
