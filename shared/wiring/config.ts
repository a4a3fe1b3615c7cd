/**
 * Composition roots read their settings here, once per container. Each getter validates only what its
 * consumers need, so a function fails at cold start naming exactly the variable it is missing.
 */
import {
  autoSyncSettings,
  awsSettings,
  flag,
  oneOf,
  optional,
  providerWriteQueueSettings,
  readEnv,
  syncQueueSettings,
  tableSettings,
  text,
  tokenKeySettings,
  upperCaseList,
  url,
  webhookQueueSettings,
  withDefault,
} from '../config/env';
import { once } from './once';

export const tableConfig = /* @__PURE__ */ once(() => readEnv({ ...awsSettings, ...tableSettings }));
export const tokenKeyConfig = /* @__PURE__ */ once(() => readEnv(tokenKeySettings));
export const syncQueueConfig = /* @__PURE__ */ once(() => readEnv(syncQueueSettings));
export const webhookQueueConfig = /* @__PURE__ */ once(() => readEnv(webhookQueueSettings));
export const providerWriteQueueConfig = /* @__PURE__ */ once(() => readEnv(providerWriteQueueSettings));
export const autoSyncConfig = /* @__PURE__ */ once(() => readEnv(autoSyncSettings));

/** Where providers send webhooks: the public base URL of this API (API Gateway URL or custom domain). */
export const webhookConfig = /* @__PURE__ */ once(() =>
  readEnv({
    PUBLIC_API_BASE_URL: optional(url()),
  }),
);

export const plaidConfig = /* @__PURE__ */ once(() =>
  readEnv({
    PLAID_ENV: withDefault(oneOf(['sandbox', 'production', 'local']), 'sandbox'),
    PLAID_LOCAL_BASE_URL: withDefault(url(), 'http://127.0.0.1:4010'),
    PLAID_CLIENT_NAME: withDefault(text({ max: 30 }), 'Open Banking'),
    PLAID_COUNTRY_CODES: upperCaseList('US'),
    PLAID_LANGUAGE: withDefault(text({ min: 2 }), 'en'),
  }),
);

const headerName = text({ pattern: /^[A-Za-z0-9-]{1,64}$/ });

export const pluggyConfig = /* @__PURE__ */ once(() =>
  readEnv({
    /** Pluggy's API; the offline stack points it at the local Pluggy sandbox. */
    PLUGGY_BASE_URL: withDefault(url(), 'https://api.pluggy.ai'),
    /** Where Pluggy Connect is hosted; the base of the `connect_url` handed to clients. */
    PLUGGY_CONNECT_URL: withDefault(url(), 'https://connect.pluggy.ai'),
    /** `production` hides Pluggy's sandbox connectors from the widget; anything else offers them. */
    PLUGGY_ENV: withDefault(oneOf(['sandbox', 'production']), 'sandbox'),
    /** Header carrying the secret registered with our webhook (`POST /webhooks` custom headers). */
    PLUGGY_WEBHOOK_SECRET_HEADER: withDefault(headerName, 'X-Webhook-Secret'),
    /** Header carrying the optional HMAC-SHA256 signature (checked only when a signing key is configured). */
    PLUGGY_WEBHOOK_SIGNATURE_HEADER: withDefault(headerName, 'X-Pluggy-Signature'),
    /** Local development only: accept webhooks when no webhook secret is configured. */
    PLUGGY_WEBHOOK_ALLOW_UNSIGNED: flag,
    /**
     * Also give each new item our webhook URL (connect token `webhookUrl`). Off by default: Pluggy sends
     * item-level deliveries without the registered secret header, so the webhook route must refuse them;
     * events arrive through the registration `npm run pluggy:register-webhook` makes. Turn on only together
     * with PLUGGY_WEBHOOK_ALLOW_UNSIGNED (local development without a registration).
     */
    PLUGGY_ITEM_WEBHOOKS: flag,
  }),
);
