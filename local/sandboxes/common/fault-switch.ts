/**
 * Fault injection for the provider sandboxes: "the next N calls to endpoint E answer with fault F".
 *
 * Provider-neutral on purpose: a sandbox asks {@link FaultSwitch.take} before handling a request and turns the
 * returned fault into its own provider's error shape (Plaid's error body, Pluggy's, ...). Sandboxes may add
 * their own fault kinds next to the common ones (Plaid adds `mutation_during_pagination`).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** Answer with this HTTP status (and optionally this provider error code) instead of handling the call. */
export interface StatusFault {
  type: 'status';
  status: number;
  error_code?: string;
}

/** Answer with the provider's error for `error_code`, at the HTTP status the provider uses for it. */
export interface ErrorFault {
  type: 'error';
  error_code: string;
}

/** Hold the reply for `ms` milliseconds, then handle the call normally (timeouts, slow providers). */
export interface DelayFault {
  type: 'delay';
  ms: number;
}

/** Drop the connection without answering (network failure as the client sees it). */
export interface DisconnectFault {
  type: 'disconnect';
}

export type CommonFault = StatusFault | ErrorFault | DelayFault | DisconnectFault;

export const commonFaultSchemas = [
  z.object({ type: z.literal('status'), status: z.number().int().min(400).max(599), error_code: z.string().min(1).optional() }),
  z.object({ type: z.literal('error'), error_code: z.string().min(1) }),
  // Capped so a typo cannot park a request for hours.
  z.object({ type: z.literal('delay'), ms: z.number().int().min(0).max(120_000) }),
  z.object({ type: z.literal('disconnect') }),
] as const;

export interface FaultRuleInput<F> {
  /** Exact request path (`/transactions/sync`) or `*` for every provider endpoint. */
  endpoint: string;
  fault: F;
  /** How many calls the fault applies to (default 1). */
  count?: number;
  /** How many matching calls to let through untouched before the fault starts (default 0). */
  after?: number;
}

export interface ArmedFault<F> {
  readonly id: string;
  readonly endpoint: string;
  readonly fault: F;
  /** Calls still to be faulted. */
  remaining: number;
  /** Matching calls still to be let through before faulting starts. */
  skip: number;
  /** Calls faulted so far. */
  fired: number;
}

const defaultEndpointSchema = z.string().regex(/^(\*|\/\S*)$/, 'endpoint must be a path starting with / or *');

/**
 * Builds the zod schema for a control request `{endpoint, fault, count?, after?}` given the fault kinds a
 * sandbox supports.
 *
 * @example
 * const schema = faultRuleSchema(z.discriminatedUnion('type', [...commonFaultSchemas]));
 */
export function faultRuleSchema<F>(fault: z.ZodType<F>, endpoint: z.ZodType<string> = defaultEndpointSchema): z.ZodType<FaultRuleInput<F>> {
  return z.object({
    endpoint,
    fault,
    count: z.number().int().min(1).max(100_000).optional(),
    after: z.number().int().min(0).max(100_000).optional(),
  }) as unknown as z.ZodType<FaultRuleInput<F>>;
}

/**
 * The armed faults of one sandbox. Rules are consulted in the order they were armed; a rule is dropped once
 * its count is used up.
 *
 * @example
 * faults.arm({ endpoint: '/transactions/sync', fault: { type: 'status', status: 429 }, count: 2 });
 * const fault = faults.take('/transactions/sync'); // { type: 'status', status: 429 }
 */
export class FaultSwitch<F extends { type: string } = CommonFault> {
  private rules: ArmedFault<F>[] = [];

  arm(input: FaultRuleInput<F>): ArmedFault<F> {
    const rule: ArmedFault<F> = {
      id: randomUUID(),
      endpoint: input.endpoint,
      fault: input.fault,
      remaining: input.count ?? 1,
      skip: input.after ?? 0,
      fired: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  /**
   * The fault to apply to this call, if any, consuming one use of its rule.
   *
   * `applies` lets a sandbox restrict a fault kind to calls where it makes sense (Plaid's
   * mutation-during-pagination fault only hits a sync call that continues a pagination); calls it rejects
   * neither consume the rule nor count towards `after`.
   *
   * `endpoint` is either the call's path (a rule matches it exactly, or is `*`) or a predicate over each
   * rule's endpoint, for sandboxes whose rules name more than a path (Pluggy's `PATCH /items/{id}`).
   */
  take(endpoint: string | ((ruleEndpoint: string) => boolean), applies: (fault: F) => boolean = () => true): F | undefined {
    const matches = typeof endpoint === 'string' ? (ruleEndpoint: string) => ruleEndpoint === endpoint || ruleEndpoint === '*' : endpoint;
    for (const rule of this.rules) {
      if (!matches(rule.endpoint)) continue;
      if (!applies(rule.fault)) continue;
      if (rule.skip > 0) {
        rule.skip -= 1;
        continue;
      }
      rule.remaining -= 1;
      rule.fired += 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((candidate) => candidate !== rule);
      return rule.fault;
    }
    return undefined;
  }

  list(): ArmedFault<F>[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  /** Removes every rule, or only those for `endpoint`; returns how many were removed. */
  clear(endpoint?: string): number {
    const before = this.rules.length;
    this.rules = endpoint === undefined ? [] : this.rules.filter((rule) => rule.endpoint !== endpoint);
    return before - this.rules.length;
  }
}

export function describeFault(fault: { type: string } & Record<string, unknown>): string {
  switch (fault.type) {
    case 'status':
      return `status:${String(fault.status)}${fault.error_code ? `:${String(fault.error_code)}` : ''}`;
    case 'error':
      return `error:${String(fault.error_code)}`;
    case 'delay':
      return `delay:${String(fault.ms)}ms`;
    default:
      return fault.type;
  }
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
