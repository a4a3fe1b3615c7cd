/**
 * The sandbox's own control endpoints under `/sandbox/local/` (a prefix Pluggy never uses). They drive what the
 * real Pluggy does by itself or through its dashboard and the user's bank: time passing, executions finishing,
 * daily auto-sync finding new data, the user authorising Open Finance access, consents expiring or being
 * revoked, connectors going offline, re-sending an event; plus fault injection and the request log.
 */
import { z } from 'zod';
import { commonFaultSchemas, faultRuleSchema, type CommonFault, type FaultSwitch } from '../common/fault-switch';
import type { ExchangeRecorder } from '../common/exchange-recorder';
import { matchPathTemplate } from '../common/http-kit';
import type { SandboxClock } from '../common/sandbox-clock';
import type { WebhookDispatcher } from '../common/webhook-dispatcher';
import type { TokenIssuer } from './api-tokens';
import type { ConnectorHealthStatus, SandboxConnector } from './connectors';
import { PluggyApiError } from './errors';
import { consentView } from './resources';
import type { PendingActivity, PluggySandboxState, SandboxItem } from './sandbox-state';
import { FINAL_EXECUTION_STATUSES, type FinalExecutionStatus } from './sandbox-users';
import type { PluggyWebhooks, SentEvent } from './webhooks';
import { ControlError, controlErrorReply, parseControlBody } from '../common/control-errors';

export const CONTROL_PREFIX = '/sandbox/local/';

/** Pluggy-only fault: a 429 with chosen rate-limit headers (tests use a short Retry-After). */
export interface RateLimitFault {
  type: 'rate_limit';
  limit?: number;
  reset_seconds?: number;
  retry_after_seconds?: number;
}

export type PluggyFault = CommonFault | RateLimitFault;

/**
 * Rules name `*`, a path (`/accounts`, `/items/5e9f…`), a path template (`/items/{id}`), either of those after a
 * method (`PATCH /transactions/{id}`), and optionally query values that must match (`GET /v2/transactions?accountId=…`).
 */
export const pluggyFaultRuleSchema = faultRuleSchema<PluggyFault>(
  z.discriminatedUnion('type', [
    ...commonFaultSchemas,
    z.object({
      type: z.literal('rate_limit'),
      limit: z.number().int().min(1).optional(),
      reset_seconds: z.number().int().min(0).max(3600).optional(),
      retry_after_seconds: z.number().int().min(0).max(3600).optional(),
    }),
  ]) as z.ZodType<PluggyFault>,
  z.string().regex(/^(\*|((GET|POST|PATCH|PUT|DELETE) )?\/\S*)$/, 'endpoint must be *, a path, or a method and a path'),
);

export interface ControlContext {
  readonly state: PluggySandboxState;
  readonly faults: FaultSwitch<PluggyFault>;
  readonly recorder: ExchangeRecorder;
  readonly dispatcher: WebhookDispatcher;
  readonly webhooks: PluggyWebhooks;
  readonly tokens: TokenIssuer;
  readonly clock: SandboxClock;
  readonly connectors: readonly SandboxConnector[];
  readonly reset: () => void;
  readonly setConnectorStatus: (connector: SandboxConnector, status: ConnectorHealthStatus) => void;
}

export interface ControlReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}



function item(context: ControlContext, id: string | undefined): SandboxItem {
  const found = id === undefined ? undefined : context.state.findItem(id);
  if (!found) throw new ControlError(404, 'ITEM_NOT_FOUND', 'no such item');
  return found;
}

function liveItem(context: ControlContext, id: string | undefined): SandboxItem {
  const found = item(context, id);
  if (found.deletedAt !== null) throw new ControlError(404, 'ITEM_NOT_FOUND', 'the item was deleted');
  return found;
}

/** Internal view of an Item: what Pluggy shows plus what only the sandbox knows (never the password). */
export function internalItemView(target: SandboxItem): Record<string, unknown> {
  return {
    id: target.id,
    connectorId: target.connector.id,
    status: target.status,
    executionStatus: target.executionStatus,
    error: target.error,
    clientUserId: target.clientUserId,
    webhookUrl: target.webhookUrl,
    user: target.parameters.user ?? target.parameters.cpf ?? null,
    createdAt: target.createdAt,
    updatedAt: target.updatedAt,
    lastUpdatedAt: target.lastUpdatedAt,
    deleted: target.deletedAt !== null,
    deletedAt: target.deletedAt,
    waitingFor: target.execution?.waiting ?? null,
    executionInProgress: target.execution !== null,
    scriptedOutcomes: target.scriptedOutcomes.map((end) => end.executionStatus),
    userAction: target.userAction,
    history: target.history,
    consents: target.consents.map(consentView),
    accounts: target.accounts.map((account) => ({ id: account.id, type: account.type, subtype: account.subtype, balance: account.balance, transactions: account.transactions.length })),
  };
}

function eventView(event: SentEvent): Record<string, unknown> {
  return {
    eventId: event.eventId,
    event: event.event,
    itemId: event.itemId ?? null,
    sentAt: event.sentAt,
    payload: JSON.parse(event.body) as unknown,
    dropped: event.dropped,
    deliveries: event.deliveries.map((delivery) => ({ id: delivery.id, url: delivery.url, status: delivery.status, attempts: delivery.attempts, lastStatus: delivery.lastStatus ?? null })),
  };
}

const clockSchema = z.object({ advance_seconds: z.number().int().min(0).max(10 * 365 * 86_400) });
const refreshSchema = z.object({
  newTransactions: z.number().int().min(0).max(10_000).optional(),
  postPending: z.boolean().optional(),
  deleteTransactions: z.number().int().min(0).max(10_000).optional(),
});
const enrichSchema = z.object({ perAccount: z.number().int().min(1).max(10_000).optional() });
const authorizeSchema = z.object({ granted: z.boolean().optional(), consentExpiresInDays: z.number().int().min(1).max(3650).nullable().optional() });
const outcomesSchema = z.object({
  itemId: z.string().min(1).optional(),
  outcomes: z.array(z.enum(FINAL_EXECUTION_STATUSES)).min(1).max(100),
});
const connectorStatusSchema = z.object({ status: z.enum(['ONLINE', 'UNSTABLE', 'OFFLINE']) });
const dropSchema = z.object({ events: z.array(z.string().min(1)).max(50).optional(), count: z.number().int().min(1).max(10_000).optional() });

/** What an auto-sync finds when the refresh control does not say. */
export const DEFAULT_REFRESH_ACTIVITY: PendingActivity = { newTransactions: 2, postPending: true, deleteTransactions: 0 };

type ControlHandler = (context: ControlContext, input: { body: unknown; query: URLSearchParams; params: Record<string, string> }) => ControlReply;

const ok = (body: unknown, status = 200): ControlReply => ({ status, body });

function finishAuthorization(context: ControlContext, target: SandboxItem, granted: boolean, consentExpiresInDays?: number | null): SandboxItem {
  try {
    return context.state.authorize(target, { granted, consentExpiresInDays });
  } catch (error) {
    if (error instanceof PluggyApiError) throw new ControlError(409, error.codeDescription ?? 'CONFLICT', error.message);
    throw error;
  }
}

const CONTROL_ROUTES: ReadonlyArray<readonly [method: string, template: string, handler: ControlHandler]> = [
  ['POST', '/sandbox/local/reset', (context) => {
    context.reset();
    return ok({ reset: true });
  }],

  ['POST', '/sandbox/local/faults', (context, { body }) => ok({ fault: context.faults.arm(parseControlBody(pluggyFaultRuleSchema, body)) }, 201)],
  ['GET', '/sandbox/local/faults', (context) => ok({ faults: context.faults.list() })],
  ['DELETE', '/sandbox/local/faults', (context, { query }) => ok({ cleared: context.faults.clear(query.get('endpoint') ?? undefined) })],

  ['GET', '/sandbox/local/requests', (context, { query }) => {
    const afterSeq = query.get('after_seq');
    return ok({ requests: context.recorder.list({ path: query.get('path') ?? undefined, kind: 'provider', afterSeq: afterSeq === null ? undefined : Number(afterSeq) }) });
  }],
  ['DELETE', '/sandbox/local/requests', (context) => {
    context.recorder.clear();
    return ok({ cleared: true });
  }],

  ['POST', '/sandbox/local/clock', (context, { body }) => {
    const input = parseControlBody(clockSchema, body);
    context.clock.advance(input.advance_seconds * 1000);
    return ok({ now: new Date(context.clock.now()).toISOString() });
  }],

  ['POST', '/sandbox/local/api-keys/revoke', (context) => {
    context.tokens.revokeAll();
    return ok({ revoked: true });
  }],

  ['GET', '/sandbox/local/webhooks', (context, { query }) => ok({ deliveries: context.dispatcher.deliveries({ itemId: query.get('item_id') ?? undefined, label: query.get('event') ?? undefined }) })],
  ['GET', '/sandbox/local/webhook-events', (context, { query }) => ok({ events: context.webhooks.events({ itemId: query.get('item_id') ?? undefined, event: query.get('event') ?? undefined }).map(eventView) })],
  ['POST', '/sandbox/local/webhook-events/{eventId}/resend', (context, { params }) => {
    const sent = context.webhooks.resend(params.eventId ?? '');
    if (!sent) throw new ControlError(404, 'EVENT_NOT_FOUND', 'no event with this eventId was sent');
    return ok({ event: eventView(sent) });
  }],

  ['GET', '/sandbox/local/items', (context) => ok({ items: context.state.allItems().map((target) => internalItemView(target)) })],
  ['GET', '/sandbox/local/items/{id}', (context, { params }) => ok({ item: internalItemView(item(context, params.id)) })],
  ['POST', '/sandbox/local/items/{id}/complete', (context, { params }) => ok({ item: internalItemView(context.state.completeExecution(liveItem(context, params.id))) })],
  ['POST', '/sandbox/local/items/{id}/refresh', (context, { params, body }) => {
    const input = parseControlBody(refreshSchema, body);
    const target = liveItem(context, params.id);
    try {
      context.state.refresh(target, {
        newTransactions: input.newTransactions ?? DEFAULT_REFRESH_ACTIVITY.newTransactions,
        postPending: input.postPending ?? DEFAULT_REFRESH_ACTIVITY.postPending,
        deleteTransactions: input.deleteTransactions ?? DEFAULT_REFRESH_ACTIVITY.deleteTransactions,
      });
    } catch (error) {
      if (error instanceof PluggyApiError) throw new ControlError(409, error.codeDescription ?? 'CONFLICT', error.message);
      throw error;
    }
    return ok({ item: internalItemView(target) });
  }],
  ['POST', '/sandbox/local/items/{id}/enrich', (context, { params, body }) => {
    const input = parseControlBody(enrichSchema, body);
    return ok({ changed: context.state.enrichTransactions(liveItem(context, params.id), input.perAccount ?? 1) });
  }],
  ['POST', '/sandbox/local/items/{id}/authorize', (context, { params, body }) => {
    const input = parseControlBody(authorizeSchema, body);
    const target = finishAuthorization(context, liveItem(context, params.id), input.granted ?? true, input.consentExpiresInDays);
    return ok({ item: internalItemView(target) });
  }],
  /**
   * The `userAction.attributes.url` of an Open Finance Item: opening it is the user authorising at the bank
   * (`granted=false` refuses). Redirects to the Item's `oauthRedirectUri` when it has one, as the bank would.
   */
  ['GET', '/sandbox/local/oauth/authorize', (context, { query }) => {
    const state = query.get('state') ?? '';
    const target = context.state.itemForAuthorizationState(state);
    if (!target) throw new ControlError(404, 'AUTHORIZATION_NOT_FOUND', 'no item waits for this authorization (expired or already used)');
    finishAuthorization(context, target, query.get('granted') !== 'false');
    if (target.oauthRedirectUri !== null) {
      const location = new URL(target.oauthRedirectUri);
      location.searchParams.set('itemId', target.id);
      return { status: 302, body: { redirect: location.toString() }, headers: { Location: location.toString() } };
    }
    return ok({ authorized: query.get('granted') !== 'false', itemId: target.id });
  }],

  ['POST', '/sandbox/local/outcomes', (context, { body }) => {
    const input = parseControlBody(outcomesSchema, body);
    const target = input.itemId === undefined ? undefined : liveItem(context, input.itemId);
    context.state.scriptOutcomes(target, input.outcomes.map((executionStatus: FinalExecutionStatus) => ({ executionStatus })));
    return ok({ itemId: target?.id ?? null, queued: input.outcomes }, 201);
  }],

  ['GET', '/sandbox/local/consents', (context, { query }) => {
    const itemId = query.get('item_id');
    const items = itemId === null ? context.state.allItems() : [item(context, itemId)];
    return ok({ consents: items.flatMap((target) => target.consents.map((consent) => ({ ...consentView(consent), itemDeleted: target.deletedAt !== null }))) });
  }],
  ['POST', '/sandbox/local/consents/{id}/expire', (context, { params }) => {
    const found = context.state.findConsent(params.id ?? '');
    if (!found) throw new ControlError(404, 'CONSENT_NOT_FOUND', 'no such consent');
    context.state.expireConsent(found.consent);
    return ok({ consent: consentView(found.consent) });
  }],
  ['POST', '/sandbox/local/consents/{id}/revoke', (context, { params }) => {
    const found = context.state.findConsent(params.id ?? '');
    if (!found) throw new ControlError(404, 'CONSENT_NOT_FOUND', 'no such consent');
    context.state.revokeConsent(found.consent);
    return ok({ consent: consentView(found.consent) });
  }],

  // Lose webhook events from now on (all, or the named types; `count` of them, or until DELETE).
  ['POST', '/sandbox/local/webhooks/drop', (context, { body }) => {
    const input = parseControlBody(dropSchema, body ?? {});
    context.webhooks.dropDeliveries({ ...(input.events ? { events: input.events } : {}), ...(input.count !== undefined ? { remaining: input.count } : {}) });
    return ok({ dropping: { events: input.events ?? 'all', count: input.count ?? null } });
  }],
  ['DELETE', '/sandbox/local/webhooks/drop', (context) => {
    context.webhooks.dropDeliveries(null);
    return ok({ dropping: null });
  }],

  ['GET', '/sandbox/local/category-updates', (context, { query }) => ok({ updates: context.state.categoryUpdates({ transactionId: query.get('transaction_id') ?? undefined, itemId: query.get('item_id') ?? undefined }) })],

  ['POST', '/sandbox/local/connectors/{id}/status', (context, { params, body }) => {
    const input = parseControlBody(connectorStatusSchema, body);
    const connector = context.connectors.find((candidate) => String(candidate.id) === params.id);
    if (!connector) throw new ControlError(404, 'CONNECTOR_NOT_FOUND', 'no such connector');
    context.setConnectorStatus(connector, input.status);
    return ok({ id: connector.id, status: connector.healthStatus });
  }],
];

/** Routes one control request; unknown paths answer 404. Never throws for expected failures. */
export function handleControlRequest(context: ControlContext, method: string, path: string, query: URLSearchParams, body: unknown): ControlReply {
  for (const [routeMethod, template, handler] of CONTROL_ROUTES) {
    if (routeMethod !== method) continue;
    const params = matchPathTemplate(template, path);
    if (!params) continue;
    try {
      return handler(context, { body, query, params });
    } catch (error) {
      if (error instanceof ControlError) return controlErrorReply(error);
      throw error;
    }
  }
  return {
    status: 404,
    body: { error: { code: 'NOT_FOUND', message: `no control endpoint ${method} ${path}`, endpoints: CONTROL_ROUTES.map(([routeMethod, template]) => `${routeMethod} ${template}`) } },
  };
}
