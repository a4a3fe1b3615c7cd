/**
 * Asynchronous webhook delivery with bounded retries, shared by the provider sandboxes.
 *
 * Real providers retry for hours (Plaid: first retry after 30 s, each next delay ×4, for up to 24 h; docs
 * https://plaid.com/docs/api/webhooks/). Locally that would outlive any test, so the schedule is short and
 * configurable. Headers are built per attempt because a signature that embeds `iat` must be fresh on each try.
 */
import { randomUUID } from 'node:crypto';
import type { SandboxLog } from './sandbox-log';

export interface WebhookRequest {
  readonly url: string;
  /** The exact bytes to POST (signatures are computed over them). */
  readonly body: string;
  /** Short label for logs and the delivery list, e.g. `TRANSACTIONS/SYNC_UPDATES_AVAILABLE`. */
  readonly label: string;
  /** Provider item the webhook is about (for filtering deliveries in tests). */
  readonly itemId?: string;
  readonly headersFor: (attempt: number) => Record<string, string>;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly url: string;
  readonly label: string;
  readonly itemId?: string;
  readonly body: string;
  readonly createdAt: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: string;
}

export interface WebhookDispatcherOptions {
  /** Delay before each retry; its length bounds the number of retries (attempts = length + 1). */
  retryDelaysMs?: readonly number[];
  /** Per-attempt timeout; Plaid gives receivers 10 s. */
  timeoutMs?: number;
  log: SandboxLog;
  /** How many finished deliveries to remember. */
  capacity?: number;
  /**
   * Whether a failed attempt that got this HTTP status is tried again (default: every non-2xx is). Pluggy,
   * for one, never retries a 401 (https://docs.pluggy.ai/en/docs/developer-tools/webhook-security).
   */
  retryableStatus?: (status: number) => boolean;
}

export class WebhookDispatcher {
  private readonly retryDelaysMs: readonly number[];
  private readonly timeoutMs: number;
  private readonly capacity: number;
  private readonly log: SandboxLog;
  private readonly retryableStatus: (status: number) => boolean;
  private history: WebhookDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly controllers = new Set<AbortController>();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(options: WebhookDispatcherOptions) {
    this.retryDelaysMs = options.retryDelaysMs ?? [500, 2_000, 8_000];
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.capacity = options.capacity ?? 1_000;
    this.log = options.log;
    this.retryableStatus = options.retryableStatus ?? (() => true);
  }

  /** Queues a delivery and returns at once; the POST happens on the next tick. */
  enqueue(request: WebhookRequest): WebhookDelivery {
    const delivery: WebhookDelivery = {
      id: randomUUID(),
      url: request.url,
      label: request.label,
      itemId: request.itemId,
      body: request.body,
      createdAt: new Date().toISOString(),
      status: 'pending',
      attempts: 0,
    };
    this.history.push(delivery);
    if (this.history.length > this.capacity) {
      this.history = this.history.filter((entry, index) => entry.status === 'pending' || index >= this.history.length - this.capacity);
    }
    this.inFlight += 1;
    this.schedule(delivery, request, 0);
    return delivery;
  }

  deliveries(filter: { itemId?: string; label?: string } = {}): WebhookDelivery[] {
    return this.history.filter(
      (entry) => (filter.itemId === undefined || entry.itemId === filter.itemId) && (filter.label === undefined || entry.label === filter.label),
    );
  }

  /** Resolves when no delivery is pending (delivered or given up). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Forgets finished deliveries and cancels pending ones. */
  reset(): void {
    this.cancelAll();
    this.history = [];
  }

  stop(): void {
    this.stopped = true;
    this.cancelAll();
  }

  private cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.controllers) controller.abort();
    this.controllers.clear();
    for (const delivery of this.history) if (delivery.status === 'pending') delivery.status = 'failed';
    this.inFlight = 0;
    this.notifyIdle();
  }

  private schedule(delivery: WebhookDelivery, request: WebhookRequest, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(delivery, request);
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(delivery: WebhookDelivery, request: WebhookRequest): Promise<void> {
    if (this.stopped || delivery.status !== 'pending') return;
    delivery.attempts += 1;
    const controller = new AbortController();
    this.controllers.add(controller);
    const timeout = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...request.headersFor(delivery.attempts) },
        body: request.body,
        signal: controller.signal,
      });
      // Drain the body so the socket is released.
      await response.arrayBuffer().catch(() => undefined);
      delivery.lastStatus = response.status;
      if (response.ok) {
        delivery.status = 'delivered';
        delivery.deliveredAt = new Date().toISOString();
        this.finish();
        return;
      }
      delivery.lastError = `HTTP ${response.status}`;
      if (!this.retryableStatus(response.status)) {
        delivery.status = 'failed';
        this.log.warn(`webhook ${delivery.label} to ${delivery.url} answered ${response.status}; not retried`);
        this.finish();
        return;
      }
    } catch (error) {
      delivery.lastError = error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timeout);
      this.controllers.delete(controller);
    }
    if (this.stopped || delivery.status !== 'pending') return;
    const nextDelay = this.retryDelaysMs[delivery.attempts - 1];
    if (nextDelay === undefined) {
      delivery.status = 'failed';
      this.log.warn(`webhook ${delivery.label} to ${delivery.url} failed after ${delivery.attempts} attempts (${delivery.lastError ?? 'unknown'})`);
      this.finish();
      return;
    }
    this.log.warn(`webhook ${delivery.label} attempt ${delivery.attempts} failed (${delivery.lastError ?? 'unknown'}); retrying in ${nextDelay} ms`);
    this.schedule(delivery, request, nextDelay);
  }

  private finish(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
