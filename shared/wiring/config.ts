/**
 * Composition roots read their settings here, once per container. Each getter validates only what its
 * consumers need, so a function fails at cold start naming exactly the variable it is missing.
 */
import { z } from 'zod';
import {
  autoSyncSettings,
  awsSettings,
  providerWriteQueueSettings,
  readEnv,
  syncQueueSettings,
  tableSettings,
  tokenKeySettings,
  webhookQueueSettings,
} from '../config/env';
import { once } from './once';

export const tableConfig = once(() => readEnv({ ...awsSettings, ...tableSettings }));
export const tokenKeyConfig = once(() => readEnv(tokenKeySettings));
export const syncQueueConfig = once(() => readEnv(syncQueueSettings));
export const webhookQueueConfig = once(() => readEnv(webhookQueueSettings));
export const providerWriteQueueConfig = once(() => readEnv(providerWriteQueueSettings));
export const autoSyncConfig = once(() => readEnv(autoSyncSettings));

/** Where providers send webhooks: the public base URL of this API (API Gateway URL or custom domain). */
export const webhookConfig = once(() =>
  readEnv({
    PUBLIC_API_BASE_URL: z.url().optional(),
  }),
);

export const plaidConfig = once(() =>
  readEnv({
    PLAID_ENV: z.enum(['sandbox', 'production', 'local']).default('sandbox'),
    PLAID_LOCAL_BASE_URL: z.url().default('http://127.0.0.1:4010'),
    PLAID_CLIENT_NAME: z.string().min(1).max(30).default('Open Banking'),
    PLAID_COUNTRY_CODES: z
      .string()
      .default('US')
      .transform((value) => value.split(',').map((code) => code.trim().toUpperCase()).filter(Boolean)),
    PLAID_LANGUAGE: z.string().min(2).default('en'),
  }),
);
