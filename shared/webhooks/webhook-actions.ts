/**
 * What a webhook asks of us, in provider-neutral terms. Each provider's interpreter turns its own webhook
 * codes into one of these; `applyWebhookEvent` carries them out the same way for every provider.
 */
import type { ConnectionStatus, StatusReason } from '../banking/model';
import type { TransactionChangeHint } from '../banking/ports';

export type WebhookAction =
  /** New data waits at the provider: queue a sync (told which transactions changed, when the provider says). */
  | { readonly kind: 'sync'; readonly transactionHint?: TransactionChangeHint }
  /** The connection's state changed at the provider. */
  | {
      readonly kind: 'status';
      readonly status: ConnectionStatus;
      readonly reason: StatusReason | null;
      /** When the provider announced the end of access (consent expiry, institution disconnect). */
      readonly accessEndsAt?: string;
      /** The user withdrew consent: stamp the consent as revoked. */
      readonly consentRevoked?: boolean;
      /** Queue a sync once the status is stored (e.g. a repaired login has data waiting). */
      readonly thenSync?: boolean;
    }
  /** Worth keeping as processed, nothing to change (e.g. a webhook URL change was confirmed). */
  | { readonly kind: 'record'; readonly note: string }
  /** Acknowledged and deliberately not acted on. */
  | { readonly kind: 'ignore'; readonly note: string };

/** Reads a stored, verified webhook body of one provider. Throws a ValidationError for a body it cannot read. */
export type WebhookInterpreter = (body: string) => WebhookAction;
