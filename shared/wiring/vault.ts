import { KmsTokenVault } from '../adapters/kms/kms-token-vault';
import { tokenKeyConfig } from './config';
import { once } from './once';

/** The KMS token vault on the key named by `TOKEN_KEY_ID`. */
export const tokenVault = /* @__PURE__ */ once(() => new KmsTokenVault(tokenKeyConfig().TOKEN_KEY_ID));
