import { kmsClient } from '../adapters/aws-clients';
import { KmsTokenVault } from '../adapters/kms/kms-token-vault';
import { tokenKeyConfig } from './config';
import { once } from './once';

/** The KMS token vault on the key named by `TOKEN_KEY_ID`. */
export const tokenVault = /* @__PURE__ */ once(() => new KmsTokenVault(tokenKeyConfig().TOKEN_KEY_ID));

/**
 * The same vault taking its KMS client at its first request, for a function that needs it on a side path
 * only (the Plaid link-token route decrypts a token for update mode alone).
 */
export const tokenVaultOnFirstUse = /* @__PURE__ */ once(() => new KmsTokenVault(tokenKeyConfig().TOKEN_KEY_ID, kmsClient));
