/**
 * Webhook interpretation only: the interpreter files are pure parsing, so the webhook worker loads them
 * instead of whole provider modules (and bundles no provider SDK client it never calls).
 *
 * A module of its own, apart from `./registry`, because a single-file bundle wraps every module reachable
 * through a dynamic import in a lazy initialiser, and a wrapped package index cannot be tree-shaken: a worker
 * importing the registry, whose provider modules reach the AWS clients, would bundle and initialise every
 * command of the DynamoDB and EventBridge clients at cold start (https://esbuild.github.io/api/#splitting
 * describes what a bundle without splitting does with `import()`).
 */
import type { Provider } from '../banking/model';
import { ConflictError } from '../errors/app-error';
import type { WebhookInterpreter } from './ports';

const interpreters: Readonly<Record<Provider, () => Promise<WebhookInterpreter>>> = {
  plaid: () => import('./plaid/plaid-webhook-interpreter').then((loaded) => loaded.interpretPlaidWebhook),
  pluggy: () => import('./pluggy/pluggy-webhook-interpreter').then((loaded) => loaded.interpretPluggyWebhook),
};

export async function webhookInterpreterFor(provider: Provider): Promise<WebhookInterpreter> {
  const load = Object.hasOwn(interpreters, provider) ? interpreters[provider] : undefined;
  if (!load) throw new ConflictError('PROVIDER_NOT_SUPPORTED', `Provider ${String(provider)} does not support webhook interpretation`);
  return load();
}
