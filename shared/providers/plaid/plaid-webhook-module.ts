/**
 * Plaid's half of webhook receipt (and the Plaid API client it fetches verification keys with), in a file of
 * its own so the webhook route bundles only this, not the token vault and adapters of `plaid-module.ts`.
 */
import type { PlaidApi } from 'plaid';
import { plaidSecretReader } from '../../adapters/secrets/secret-reader';
import { plaidConfig } from '../../wiring/config';
import { once } from '../../wiring/once';
import type { WebhookSource } from '../ports';
import { plaidApiFactory } from './plaid-api';
import { describePlaidWebhook } from './plaid-webhook-body';
import { plaidVerificationKeyFetcher, PlaidWebhookVerifier } from './plaid-webhook-verifier';

export const plaidApi = /* @__PURE__ */ once((): (() => Promise<PlaidApi>) => {
  const settings = plaidConfig();
  const secret = plaidSecretReader();
  return plaidApiFactory({ environment: settings.PLAID_ENV, localBaseUrl: settings.PLAID_LOCAL_BASE_URL }, () => secret.read());
});

// One verifier per container: its key cache lives as long as the container.
export const plaidWebhookSource = /* @__PURE__ */ once(
  (): WebhookSource => ({
    provider: 'plaid',
    verifier: new PlaidWebhookVerifier({ fetchKey: plaidVerificationKeyFetcher(plaidApi()) }),
    describe: describePlaidWebhook,
  }),
);
