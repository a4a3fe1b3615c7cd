/**
 * `npm run pluggy:register-webhook -- <api-base-url>`: registers this API's Pluggy webhook route with Pluggy,
 * for every event, with the secret header Pluggy must send back (`POST /webhooks {url, event: "all", headers}`;
 * https://docs.pluggy.ai/en/recipes/authenticate-webhook-notifications-with-a-header-secret). The webhook route refuses
 * deliveries without that header, so this registration is how events reach the service.
 *
 * Idempotent: when a webhook for the same URL is already registered for all events, nothing is changed
 * (Pluggy's list does not show headers; to change the secret, delete the registration at Pluggy and run again).
 *
 * Credentials, first match wins:
 * 1. `PLUGGY_SECRET_ARN` (with the usual AWS environment): the deployed Pluggy secret;
 * 2. `PLUGGY_CLIENT_ID`, `PLUGGY_CLIENT_SECRET`, `PLUGGY_WEBHOOK_SECRET`;
 * 3. the offline stack's local credentials (for the local Pluggy sandbox).
 * `PLUGGY_BASE_URL` picks the API (default https://api.pluggy.ai, or the local sandbox when 3. applies);
 * `PLUGGY_WEBHOOK_SECRET_HEADER` the header name (default X-Webhook-Secret), as the functions read it.
 */
import { pathToFileURL } from 'node:url';
import { PluggyApi } from '../shared/providers/pluggy/pluggy-api';
import { PluggyClient } from '../shared/providers/pluggy/pluggy-client';
import { DEFAULT_PLUGGY_SECRET_HEADER } from '../shared/providers/pluggy/pluggy-webhook-verifier';
import { pluggySecretReader, pluggyWebhookSecretReader } from '../shared/adapters/secrets/secret-reader';
import { localProviderCredentials } from '../local/aws/provision';

export interface WebhookRegistrationInput {
  readonly pluggyBaseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The public base URL of this API (API Gateway URL, custom domain or tunnel); the route is appended. */
  readonly apiBaseUrl: string;
  readonly secretHeader: string;
  readonly webhookSecret: string;
}

export interface WebhookRegistrationResult {
  readonly url: string;
  readonly webhookId: string;
  readonly created: boolean;
}

export function pluggyWebhookRoute(apiBaseUrl: string): string {
  return `${apiBaseUrl.replace(/\/+$/, '')}/api/v1/webhooks/pluggy`;
}

export async function registerPluggyWebhook(input: WebhookRegistrationInput): Promise<WebhookRegistrationResult> {
  const api = new PluggyApi(
    new PluggyClient({
      baseUrl: input.pluggyBaseUrl,
      credentials: async () => ({ clientId: input.clientId, clientSecret: input.clientSecret }),
    }),
  );
  const url = pluggyWebhookRoute(input.apiBaseUrl);
  const existing = (await api.listWebhooks()).find((webhook) => webhook.url === url && webhook.event === 'all');
  if (existing) return { url, webhookId: existing.id, created: false };
  const created = await api.createWebhook({ url, event: 'all', headers: { [input.secretHeader]: input.webhookSecret } });
  return { url, webhookId: created.id, created: true };
}

async function credentialsFromEnvironment(): Promise<Omit<WebhookRegistrationInput, 'apiBaseUrl' | 'secretHeader'>> {
  const env = process.env;
  if (env.PLUGGY_SECRET_ARN) {
    const secret = await pluggySecretReader().read();
    const webhook = await pluggyWebhookSecretReader().read();
    if (!webhook.webhook_secret) {
      throw new Error('The Pluggy webhook secret has no webhook_secret; set one first (README, "Deploy")');
    }
    return {
      pluggyBaseUrl: env.PLUGGY_BASE_URL ?? 'https://api.pluggy.ai',
      clientId: secret.client_id,
      clientSecret: secret.client_secret,
      webhookSecret: webhook.webhook_secret,
    };
  }
  if (env.PLUGGY_CLIENT_ID && env.PLUGGY_CLIENT_SECRET) {
    if (!env.PLUGGY_WEBHOOK_SECRET) throw new Error('PLUGGY_WEBHOOK_SECRET is not set (the value Pluggy must send back)');
    return {
      pluggyBaseUrl: env.PLUGGY_BASE_URL ?? 'https://api.pluggy.ai',
      clientId: env.PLUGGY_CLIENT_ID,
      clientSecret: env.PLUGGY_CLIENT_SECRET,
      webhookSecret: env.PLUGGY_WEBHOOK_SECRET,
    };
  }
  const local = localProviderCredentials.pluggy;
  return {
    pluggyBaseUrl: env.PLUGGY_BASE_URL ?? 'http://127.0.0.1:4020',
    clientId: local.client_id,
    clientSecret: local.client_secret,
    webhookSecret: localProviderCredentials.pluggyWebhook.webhook_secret,
  };
}

async function main(): Promise<void> {
  const apiBaseUrl = process.argv[2];
  if (!apiBaseUrl || !URL.canParse(apiBaseUrl)) {
    console.error('Usage: npm run pluggy:register-webhook -- <api-base-url>   (e.g. https://abc123.execute-api.us-east-1.amazonaws.com)');
    process.exit(2);
  }
  const credentials = await credentialsFromEnvironment();
  const result = await registerPluggyWebhook({
    ...credentials,
    apiBaseUrl,
    secretHeader: process.env.PLUGGY_WEBHOOK_SECRET_HEADER || DEFAULT_PLUGGY_SECRET_HEADER,
  });
  console.log(
    result.created
      ? `Registered ${result.url} for all Pluggy events (webhook ${result.webhookId}) at ${credentials.pluggyBaseUrl}`
      : `Already registered: ${result.url} (webhook ${result.webhookId}); nothing changed`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    // Only the message: errors from the client never carry credentials, but a stack trace is noise here.
    console.error(`Registration failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
