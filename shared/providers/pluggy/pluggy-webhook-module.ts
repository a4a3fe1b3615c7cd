/**
 * Pluggy's half of webhook receipt, in a file of its own so the webhook route bundles only this (the secret
 * reader and the verifier), not the Pluggy API client and the token vault of `pluggy-module.ts`.
 */
import { pluggySecretReader, pluggyWebhookSecretReader } from '../../adapters/secrets/secret-reader';
import { pluggyConfig } from '../../wiring/config';
import { once } from '../../wiring/once';
import type { WebhookSource } from '../ports';
import { describePluggyWebhook } from './pluggy-webhook-body';
import { PluggyWebhookVerifier } from './pluggy-webhook-verifier';

export const pluggySecret = /* @__PURE__ */ once(() => pluggySecretReader());

/** Pluggy's half of webhook receipt: the secret header (and optional signature) and `clientId` checks. */
export const pluggyWebhookSource = /* @__PURE__ */ once((): WebhookSource => {
  const settings = pluggyConfig();
  // Its own secret: the public webhook function never reads the API credentials.
  const secret = pluggyWebhookSecretReader();
  return {
    provider: 'pluggy',
    verifier: new PluggyWebhookVerifier({
      secrets: async () => {
        const value = await secret.read();
        return { clientId: value.client_id, webhookSecret: value.webhook_secret, signingSecret: value.webhook_signing_secret };
      },
      secretHeader: settings.PLUGGY_WEBHOOK_SECRET_HEADER,
      signatureHeader: settings.PLUGGY_WEBHOOK_SIGNATURE_HEADER,
      allowUnsigned: settings.PLUGGY_WEBHOOK_ALLOW_UNSIGNED,
    }),
    describe: describePluggyWebhook,
  };
});
