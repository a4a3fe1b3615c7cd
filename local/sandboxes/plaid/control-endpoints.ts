/**
 * The sandbox's own control endpoints under `/sandbox/local/` (a prefix Plaid never uses, so they cannot
 * clash with a real path). They drive what a real Sandbox does by itself or through its dashboard: time
 * passing, balances changing, key rotation, finishing a Link session, injecting faults, and reading the
 * request log.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { commonFaultSchemas, faultRuleSchema, type CommonFault, type FaultSwitch } from '../common/fault-switch';
import type { ExchangeRecorder } from '../common/exchange-recorder';
import type { SandboxClock } from '../common/sandbox-clock';
import type { WebhookDispatcher } from '../common/webhook-dispatcher';
import { PlaidSandboxError } from './errors';
import { DEFAULT_INSTITUTION_ID, findInstitution } from './institutions';
import { accountView, type SandboxItem } from './sandbox-item';
import type { PlaidSandboxState } from './sandbox-state';
import type { WebhookSigner } from './webhook-signer';
import { ControlError, controlErrorReply, parseControlBody } from '../common/control-errors';

/** Plaid-only fault: the next sync call that continues a pagination loop fails with MUTATION_DURING_PAGINATION. */
export interface MutationDuringPaginationFault {
  type: 'mutation_during_pagination';
}

/**
 * Plaid-only fault: the Item's data really changes between two pages of one loop. Before the next sync call
 * that continues a pagination loop, the Item's clock advances `days` (pending transactions post, new pending
 * ones appear), so that call answers TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION because the data moved,
 * and the restarted loop sees the new data: a pending row served by the aborted pass that posted meanwhile
 * "appeared and vanished" inside the restarted window and is never reported as removed (see
 * transaction-ledger.ts; docs https://plaid.com/docs/api/products/transactions/#transactionssync).
 */
export interface AdvanceDuringPaginationFault {
  type: 'advance_during_pagination';
  days?: number;
}

export type PlaidFault = CommonFault | MutationDuringPaginationFault | AdvanceDuringPaginationFault;

/** Faults that only hit a /transactions/sync call continuing a pagination loop. */
export const MID_PAGINATION_FAULTS: ReadonlySet<PlaidFault['type']> = new Set(['mutation_during_pagination', 'advance_during_pagination']);

export const plaidFaultRuleSchema = faultRuleSchema<PlaidFault>(
  z.discriminatedUnion('type', [
    ...commonFaultSchemas,
    z.object({ type: z.literal('mutation_during_pagination') }),
    z.object({ type: z.literal('advance_during_pagination'), days: z.number().int().min(1).max(30).optional() }),
  ]) as z.ZodType<PlaidFault>,
);

export interface ControlContext {
  readonly state: PlaidSandboxState;
  readonly faults: FaultSwitch<PlaidFault>;
  readonly recorder: ExchangeRecorder;
  readonly dispatcher: WebhookDispatcher;
  readonly signer: WebhookSigner;
  readonly clock: SandboxClock;
  /** Clears everything (items, tokens, faults, recordings, deliveries, clock offset). */
  readonly reset: () => void;
}

export interface ControlReply {
  readonly status: number;
  readonly body: unknown;
}


/**
 * Which Item a control call is about: by access token, item id, or any of its account ids (what a client of
 * our API can see, since the backend never hands out access tokens or item ids).
 */
const itemSelector = z
  .object({
    access_token: z.string().min(1).optional(),
    item_id: z.string().min(1).optional(),
    account_id: z.string().min(1).optional(),
  })
  .refine(
    (value) => value.access_token !== undefined || value.item_id !== undefined || value.account_id !== undefined,
    'access_token, item_id or account_id is required',
  );

const advanceSchema = z.intersection(
  itemSelector,
  z.object({ days: z.number().int().min(1).max(365).optional(), modify: z.number().int().min(0).max(100).optional() }),
);

const nullableAmount = z.number().finite().nullable().optional();
const balanceSchema = z.intersection(
  itemSelector,
  z.object({ account_id: z.string().min(1), available: nullableAmount, current: nullableAmount, limit: nullableAmount }),
);

const clockSchema = z.object({ advance_seconds: z.number().int().min(0).max(10 * 365 * 86_400) });

const linkCompleteSchema = z.object({
  link_token: z.string().min(1),
  institution_id: z.string().min(1).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});


function selectItem(
  context: ControlContext,
  selector: { access_token?: string; item_id?: string; account_id?: string },
): SandboxItem {
  if (selector.access_token !== undefined) return context.state.itemForAccessToken(selector.access_token);
  const item =
    selector.item_id !== undefined
      ? context.state.findItem(selector.item_id)
      : context.state.findItemByAccountId(selector.account_id ?? '');
  if (!item || item.removed) throw new ControlError(404, 'ITEM_NOT_FOUND', 'no such item');
  return item;
}

type ControlHandler = (context: ControlContext, body: unknown, query: URLSearchParams) => ControlReply;

const ok = (body: unknown, status = 200): ControlReply => ({ status, body });

const CONTROL_ROUTES: Readonly<Record<string, ControlHandler>> = {
  'POST /sandbox/local/reset': (context) => {
    context.reset();
    return ok({ reset: true });
  },

  'POST /sandbox/local/faults': (context, body) => ok({ fault: context.faults.arm(parseControlBody(plaidFaultRuleSchema, body)) }, 201),
  'GET /sandbox/local/faults': (context) => ok({ faults: context.faults.list() }),
  'DELETE /sandbox/local/faults': (context, _body, query) => ok({ cleared: context.faults.clear(query.get('endpoint') ?? undefined) }),

  'POST /sandbox/local/advance': (context, body) => {
    const input = parseControlBody(advanceSchema, body);
    return ok(context.state.advance(selectItem(context, input), input.days ?? 1, input.modify ?? 0));
  },

  'POST /sandbox/local/balance': (context, body) => {
    const input = parseControlBody(balanceSchema, body);
    const account = context.state.setBalance(selectItem(context, input), input.account_id, input);
    return ok({ account: accountView(account) });
  },

  'POST /sandbox/local/webhook_keys/rotate': (context) => {
    const rotation = context.signer.rotate();
    return ok({ expired_key_id: rotation.expiredKeyId, current_key_id: rotation.currentKeyId });
  },

  'POST /sandbox/local/clock': (context, body) => {
    const input = parseControlBody(clockSchema, body);
    context.clock.advance(input.advance_seconds * 1000);
    return ok({ now: context.clock.isoNow() });
  },

  'GET /sandbox/local/requests': (context, _body, query) => {
    const afterSeq = query.get('after_seq');
    return ok({
      requests: context.recorder.list({
        path: query.get('path') ?? undefined,
        kind: 'provider',
        afterSeq: afterSeq === null ? undefined : Number(afterSeq),
      }),
    });
  },
  'DELETE /sandbox/local/requests': (context) => {
    context.recorder.clear();
    return ok({ cleared: true });
  },

  'GET /sandbox/local/webhooks': (context, _body, query) => ok({ deliveries: context.dispatcher.deliveries({ itemId: query.get('item_id') ?? undefined }) }),

  /**
   * Finishes a Link session for a link token without a browser, returning what Link's onSuccess would: a
   * public token plus institution and account metadata. With an update-mode token it repairs the Item
   * instead (ITEM_LOGIN_REQUIRED cleared; nothing to exchange, as in Plaid's update mode).
   */
  'POST /sandbox/local/link/complete': (context, body) => {
    const input = parseControlBody(linkCompleteSchema, body);
    const linkToken = context.state.linkToken(input.link_token);
    if (linkToken.accessToken !== undefined) {
      const item = context.state.itemForAccessToken(linkToken.accessToken);
      item.error = null;
      return ok({ public_token: null, metadata: linkMetadata(item), repaired: true });
    }
    const institution = findInstitution(input.institution_id ?? DEFAULT_INSTITUTION_ID);
    if (!institution) throw new PlaidSandboxError('INVALID_INSTITUTION');
    const item = context.state.createItem({
      institution,
      products: linkToken.products,
      productsIfSupported: linkToken.productsIfSupported,
      username: input.username ?? 'user_good',
      password: input.password ?? 'pass_good',
      webhook: linkToken.webhook ?? null,
      // Plaid's default when the link token does not say (https://plaid.com/docs/api/link/#link-token-create-request-transactions).
      daysRequested: linkToken.daysRequested ?? 90,
    });
    return ok({ public_token: context.state.issuePublicToken(item), metadata: linkMetadata(item) });
  },
};

function linkMetadata(item: SandboxItem): Record<string, unknown> {
  return {
    institution: { institution_id: item.institution.institutionId, name: item.institution.name },
    accounts: item.accounts.map((account) => ({
      id: account.base.account_id,
      name: account.base.name,
      mask: account.base.mask,
      type: account.base.type,
      subtype: account.base.subtype,
      verification_status: null,
    })),
    link_session_id: randomUUID(),
  };
}

/** Routes one control request; unknown paths answer 404. Never throws. */
export function handleControlRequest(context: ControlContext, method: string, path: string, query: URLSearchParams, body: unknown): ControlReply {
  const handler = CONTROL_ROUTES[`${method} ${path}`];
  if (!handler) {
    return { status: 404, body: { error: { code: 'NOT_FOUND', message: `no control endpoint ${method} ${path}`, endpoints: Object.keys(CONTROL_ROUTES) } } };
  }
  try {
    return handler(context, body, query);
  } catch (error) {
    if (error instanceof ControlError) return controlErrorReply(error);
    if (error instanceof PlaidSandboxError) {
      return { status: 400, body: { error: { code: error.errorCode, message: error.message }, plaid_error: error.toEmbeddedError() } };
    }
    throw error;
  }
}

export const CONTROL_PREFIX = '/sandbox/local/';
