/**
 * Pluggy webhooks: the registrations made through `POST /webhooks` and the events delivered to them.
 *
 * Delivery follows Pluggy's docs (/en/docs/reference/webhooks, /en/recipes/authenticate-webhook-notifications-
 * with-a-header-secret, /en/docs/developer-tools/webhook-security):
 * - a registration receives the events it names (or every event for `all`), carrying the static `headers` it
 *   was registered with — the documented way to authenticate Pluggy's calls;
 * - an Item's own `webhookUrl` (set on the connect token or the Item) receives every event of that Item,
 *   without custom headers;
 * - every payload has a unique `eventId` (the dedupe key; `id` is the deprecated entity id) and `event`;
 * - non-2xx answers are retried, except 401, which Pluggy never retries.
 *
 * Signature (sandbox choice): when a signing secret is configured, every delivery also carries
 * `X-Pluggy-Signature: <hex HMAC-SHA256 of the raw body>`. Pluggy's docs mention an HMAC signature without a
 * readable specification (https://docs.pluggy.ai/docs/webhooks), so header name and format here are this sandbox's own.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { SandboxClock } from '../common/sandbox-clock';
import type { WebhookDelivery, WebhookDispatcher } from '../common/webhook-dispatcher';
import { PluggyApiError } from './errors';

export const SIGNATURE_HEADER = 'X-Pluggy-Signature';

/** Events a registration may name (spec schema CreateWebhook.event). */
export const WEBHOOK_EVENTS = [
  'all',
  'item/created',
  'item/updated',
  'item/error',
  'item/deleted',
  'item/waiting_user_input',
  'item/waiting_user_action',
  'item/login_succeeded',
  'connector/status_updated',
  'transactions/created',
  'transactions/updated',
  'transactions/deleted',
  'payment_intent/created',
  'payment_intent/completed',
  'payment_intent/waiting_payer_authorization',
  'payment_intent/error',
  'scheduled_payment/created',
  'scheduled_payment/completed',
  'scheduled_payment/error',
  'scheduled_payment/canceled',
  'scheduled_payment/all_completed',
  'payment_refund/completed',
  'payment_refund/error',
  'boleto/updated',
  'payment_request/updated',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** Pluggy caps registrations per event (https://docs.pluggy.ai/en/docs/reference/webhooks). */
export const MAX_WEBHOOKS_PER_EVENT = 5;

export type TriggeredBy = 'CLIENT' | 'USER' | 'SYNC' | 'INTERNAL';

export interface RegisteredWebhook {
  readonly id: string;
  url: string;
  event: WebhookEventName;
  headers: Record<string, string>;
  readonly createdAt: string;
  updatedAt: string;
  disabledAt: string | null;
}

export function webhookView(webhook: RegisteredWebhook): Record<string, unknown> {
  return { id: webhook.id, url: webhook.url, event: webhook.event, createdAt: webhook.createdAt, updatedAt: webhook.updatedAt, disabledAt: webhook.disabledAt };
}

/** A payload as sent: `event` plus event-specific fields; `eventId` and `id` are added on sending. */
export type WebhookPayload = { readonly event: Exclude<WebhookEventName, 'all'> } & Record<string, unknown>;

export interface SentEvent {
  readonly eventId: string;
  readonly event: string;
  readonly itemId?: string;
  readonly body: string;
  readonly sentAt: string;
  readonly deliveries: WebhookDelivery[];
  readonly targets: readonly WebhookTarget[];
  /** Lost on the way (the drop switch): recorded as sent, never delivered. */
  readonly dropped: boolean;
}

/**
 * Which events get lost. Pluggy's webhooks can be late or never arrive (its docs ask receivers to treat them as
 * signals and re-read the API, /en/docs/developer-tools/webhook-security); this switch makes that happen on
 * purpose: events of the named types (all when none are named) are not delivered, `count` times or until
 * switched off.
 */
export interface DropRule {
  readonly events?: readonly string[];
  /** How many events to drop; undefined = every matching one until cleared. */
  remaining?: number;
}

interface WebhookTarget {
  readonly url: string;
  readonly headers: Record<string, string>;
}

export interface WebhookRegistration {
  readonly url: string;
  readonly event: string;
  readonly headers?: Record<string, string>;
}

function validUrl(url: string): boolean {
  // Pluggy wants HTTPS and refuses localhost; the sandbox takes any http(s) URL so local receivers work.
  return URL.canParse(url) && /^https?:$/.test(new URL(url).protocol);
}

function isEventName(event: string): event is WebhookEventName {
  return (WEBHOOK_EVENTS as readonly string[]).includes(event);
}

export class PluggyWebhooks {
  private readonly registrations = new Map<string, RegisteredWebhook>();
  private sent: SentEvent[] = [];
  private dropRule: DropRule | null = null;

  constructor(
    private readonly dispatcher: WebhookDispatcher,
    private readonly clock: SandboxClock,
    private readonly options: { readonly clientId: string; readonly signingSecret?: string; readonly capacity?: number },
  ) {}

  register(input: WebhookRegistration): RegisteredWebhook {
    if (!isEventName(input.event)) throw new PluggyApiError(400, `Invalid event type '${input.event}' for webhook`);
    if (!validUrl(input.url)) throw new PluggyApiError(400, 'Webhook url must be valid URL address and not localhost');
    const existing = [...this.registrations.values()].filter((webhook) => webhook.event === input.event);
    if (existing.some((webhook) => webhook.url === input.url)) {
      throw new PluggyApiError(400, `A webhook for event '${input.event}' and url '${input.url}' already exists.`);
    }
    if (existing.length >= MAX_WEBHOOKS_PER_EVENT) throw new PluggyApiError(400, `Maximum of ${MAX_WEBHOOKS_PER_EVENT} webhooks for event '${input.event}' reached.`);
    const now = new Date(this.clock.now()).toISOString();
    const webhook: RegisteredWebhook = { id: randomUUID(), url: input.url, event: input.event, headers: { ...(input.headers ?? {}) }, createdAt: now, updatedAt: now, disabledAt: null };
    this.registrations.set(webhook.id, webhook);
    return webhook;
  }

  list(): RegisteredWebhook[] {
    return [...this.registrations.values()];
  }

  get(id: string): RegisteredWebhook | undefined {
    return this.registrations.get(id);
  }

  update(id: string, patch: { url?: string; event?: string; headers?: Record<string, string>; enabled?: boolean }): RegisteredWebhook | undefined {
    const webhook = this.registrations.get(id);
    if (!webhook) return undefined;
    if (patch.event !== undefined && !isEventName(patch.event)) throw new PluggyApiError(400, `Invalid event type '${patch.event}' for webhook`);
    if (patch.url !== undefined && !validUrl(patch.url)) throw new PluggyApiError(400, 'Webhook url must be valid URL address and not localhost');
    const now = new Date(this.clock.now()).toISOString();
    if (patch.url !== undefined) webhook.url = patch.url;
    if (patch.event !== undefined) webhook.event = patch.event as WebhookEventName;
    if (patch.headers !== undefined) webhook.headers = { ...patch.headers };
    if (patch.enabled !== undefined) webhook.disabledAt = patch.enabled ? null : (webhook.disabledAt ?? now);
    webhook.updatedAt = now;
    return webhook;
  }

  remove(id: string): boolean {
    return this.registrations.delete(id);
  }

  /**
   * Sends `payload` to every matching registration and to `itemWebhookUrl` (if any). Returns the event as
   * recorded (with its deliveries), or undefined when nobody listens.
   */
  emit(payload: WebhookPayload, itemWebhookUrl: string | null = null): SentEvent | undefined {
    const targets: WebhookTarget[] = [];
    for (const webhook of this.registrations.values()) {
      if (webhook.disabledAt !== null) continue;
      if (webhook.event !== 'all' && webhook.event !== payload.event) continue;
      targets.push({ url: webhook.url, headers: { ...webhook.headers } });
    }
    if (itemWebhookUrl !== null && validUrl(itemWebhookUrl)) targets.push({ url: itemWebhookUrl, headers: {} });
    if (targets.length === 0) return undefined;
    const eventId = randomUUID();
    const itemId = typeof payload.itemId === 'string' ? payload.itemId : undefined;
    // `id` is Pluggy's deprecated "id of the entity related to the event" (SDK WebhookEventPayload).
    const entityId = itemId ?? (typeof payload.connectorId === 'number' ? String(payload.connectorId) : eventId);
    const body = JSON.stringify({ id: entityId, eventId, ...payload });
    const dropped = this.takeDrop(payload.event);
    const sent: SentEvent = { eventId, event: payload.event, itemId, body, sentAt: new Date(this.clock.now()).toISOString(), deliveries: [], targets, dropped };
    if (!dropped) this.deliver(sent);
    this.sent.push(sent);
    const capacity = this.options.capacity ?? 2_000;
    if (this.sent.length > capacity) this.sent.splice(0, this.sent.length - capacity);
    return sent;
  }

  /** Sends an already-sent event again, same body and eventId (Pluggy's "re-send" from the dashboard). */
  resend(eventId: string): SentEvent | undefined {
    const sent = this.sent.find((candidate) => candidate.eventId === eventId);
    if (!sent) return undefined;
    this.deliver(sent);
    return sent;
  }

  events(filter: { itemId?: string; event?: string } = {}): SentEvent[] {
    return this.sent.filter((sent) => (filter.itemId === undefined || sent.itemId === filter.itemId) && (filter.event === undefined || sent.event === filter.event));
  }

  /** `X-Pluggy-Signature` value for `body` (tests compute what a receiver should expect). */
  sign(body: string): string | undefined {
    return this.options.signingSecret === undefined ? undefined : createHmac('sha256', this.options.signingSecret).update(body).digest('hex');
  }

  /** Starts losing events (see {@link DropRule}); null stops. */
  dropDeliveries(rule: DropRule | null): void {
    this.dropRule = rule === null ? null : { ...rule };
  }

  reset(): void {
    this.registrations.clear();
    this.sent = [];
    this.dropRule = null;
  }

  private takeDrop(event: string): boolean {
    const rule = this.dropRule;
    if (rule === null || (rule.events !== undefined && rule.events.length > 0 && !rule.events.includes(event))) return false;
    if (rule.remaining !== undefined) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.dropRule = null;
    }
    return true;
  }

  get clientId(): string {
    return this.options.clientId;
  }

  private deliver(sent: SentEvent): void {
    const signature = this.sign(sent.body);
    for (const target of sent.targets) {
      const headers = { ...target.headers, ...(signature === undefined ? {} : { [SIGNATURE_HEADER]: signature }) };
      sent.deliveries.push(
        this.dispatcher.enqueue({ url: target.url, body: sent.body, label: sent.event, itemId: sent.itemId, headersFor: () => headers }),
      );
    }
  }
}
