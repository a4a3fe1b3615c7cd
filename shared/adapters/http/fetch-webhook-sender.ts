/**
 * {@link WebhookSender} with Node's fetch (undici). Redirects are not followed (a signed request goes where it
 * was configured to go, or fails), and each attempt has a deadline so a hanging endpoint costs one attempt,
 * not the worker's whole timeout.
 */
import type { WebhookSender } from '../../events/ports';

export class FetchWebhookSender implements WebhookSender {
  constructor(private readonly timeoutMs = 10_000) {}

  async post(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<{ status: number }> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'user-agent': 'open-banking-backend-webhooks/1', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    // The body is not needed; reading it frees the connection for reuse.
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status };
  }
}
