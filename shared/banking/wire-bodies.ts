/**
 * The snake_case bodies of domain values that both API responses (`shared/api/presenters.ts`) and app events
 * (`shared/events/model.ts`) carry, written once so a client reads a next step or a run's error the same way
 * in either place.
 */
import type { SyncRunError } from './model';
import type { NextStep } from './next-step';

export function nextStepBody(step: NextStep | null) {
  return step && { action: step.action, message: step.message, method: step.method, path: step.path, url: step.url, due_by: step.dueBy };
}

/** A run's error; `provider_request_id` is the provider's id of the failing request (Plaid's request_id). */
export function syncRunErrorBody(error: SyncRunError | null) {
  return error && { code: error.code, message: error.message, provider_request_id: error.providerRequestId ?? null };
}
