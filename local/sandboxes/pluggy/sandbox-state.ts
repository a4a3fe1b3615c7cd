/**
 * All mutable state of the Pluggy sandbox — Items, their accounts, transactions and consents — and the
 * execution engine that moves an Item through Pluggy's statuses.
 *
 * An execution (create, update, MFA answer, auto-sync) runs in timed steps so clients can watch it:
 * `UPDATING` with executionStatus CREATING → LOGIN_IN_PROGRESS → (login result) → ACCOUNTS_IN_PROGRESS →
 * CREDITCARDS_IN_PROGRESS → TRANSACTIONS_IN_PROGRESS → `UPDATED` / SUCCESS (statuses from SDK item.d.ts and
 * execution.d.ts). The login result may instead pause the run — WAITING_USER_INPUT with `parameter` (MFA) or
 * WAITING_USER_ACTION with `userAction` (Open Finance authorisation) — or end it in LOGIN_ERROR / OUTDATED
 * with `error`. Webhooks go out at the same moments Pluggy sends them (https://docs.pluggy.ai/en/docs/reference/webhooks):
 * item/login_succeeded after login, item/created when a new Item finished connecting successfully,
 * item/updated after later successful syncs, item/error on failures, item/waiting_user_input /
 * item/waiting_user_action on pauses, transactions/* when a later sync found changes.
 */
import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../common/sandbox-clock';
import { MFA_TOKEN_PARAMETER, PRODUCT_TYPES, type ProductType, type SandboxConnector } from './connectors';
import { findCategory } from './categories';
import { PluggyApiError, itemNotFound } from './errors';
import { appendActivity, generateAccounts, openingBalanceOf, recomputeBalances } from './history-generator';
import { consentIsActive, type SandboxAccount, type SandboxConsent, type SandboxTransaction } from './resources';
import {
  executionError,
  isCpf,
  itemStatusFor,
  loginOutcome,
  SANDBOX_MFA_TOKEN,
  type ExecutionEnd,
  type FinalExecutionStatus,
  type ItemStatus,
  type LoginOutcome,
} from './sandbox-users';
import type { PluggyWebhooks, TriggeredBy, WebhookPayload } from './webhooks';

/** How long an MFA prompt and an Open Finance authorisation wait for the user (sandbox choice). */
export const MFA_TIMEOUT_MS = 5 * 60 * 1000;
export const AUTHORIZATION_TIMEOUT_MS = 10 * 60 * 1000;
/** Pluggy auto-syncs Items daily. */
const AUTO_SYNC_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** transactions/updated carries at most this many ids per event (docs changelog 2026.08). */
const TRANSACTION_IDS_PER_EVENT = 400;
/** Where {@link SandboxState.enrichTransactions} moves a transaction (Leisure; Other if it already was there). */
const ENRICHED_CATEGORY_ID = '21000000';
const FALLBACK_CATEGORY_ID = '99999999';

/** Open Finance permissions granted per product (spec Consent.openFinancePermissionsGranted values). */
const PERMISSIONS_BY_PRODUCT: Partial<Record<ProductType, readonly string[]>> = {
  ACCOUNTS: ['ACCOUNTS_ALL', 'ACCOUNTS_BALANCES', 'ACCOUNTS_LIMITS'],
  TRANSACTIONS: ['ACCOUNTS_TRANSACTIONS', 'CREDIT_CARDS_TRANSACTIONS'],
  CREDIT_CARDS: ['CREDIT_CARDS_ALL', 'CREDIT_CARDS_LIMITS', 'CREDIT_CARDS_BILLS'],
  IDENTITY: ['REGISTRATION_ALL', 'REGISTRATION_IDENTIFICATIONS'],
};

export interface ItemError {
  readonly code: string;
  readonly message: string;
  readonly providerMessage?: string;
}

export interface UserAction {
  readonly type: 'authorize-access';
  readonly instructions: string;
  readonly attributes: { readonly url: string };
  readonly expiresAt: string;
}

export interface ItemParameterPrompt {
  readonly name: string;
  readonly label: string;
  readonly type: string;
  readonly expiresAt: string;
  readonly [extra: string]: unknown;
}

/** What the next sync finds, set by the refresh control (Pluggy's daily auto-sync brings new data). */
export interface PendingActivity {
  /** New transactions per account. */
  readonly newTransactions: number;
  /** Post every PENDING bank transaction (→ transactions/updated). */
  readonly postPending: boolean;
  /** Remove this many of the newest transactions per bank account (→ transactions/deleted). */
  readonly deleteTransactions: number;
}

type Phase = 'login' | 'accounts' | 'credit_cards' | 'transactions' | 'finish';

interface Execution {
  readonly trigger: TriggeredBy;
  readonly startedAt: string;
  /** Phases still to run, first = next. */
  phases: Phase[];
  /** Set by the login step. */
  outcome?: LoginOutcome;
  /** Paused on MFA or authorisation: no timer runs until the user answers. */
  waiting?: 'input' | 'action';
  waitingUntilMs?: number;
  timer?: NodeJS.Timeout;
}

export interface HistoryEntry {
  readonly at: string;
  readonly status: ItemStatus;
  readonly executionStatus: string;
}

export interface SandboxItem {
  readonly id: string;
  readonly connector: SandboxConnector;
  status: ItemStatus;
  executionStatus: string;
  error: ItemError | null;
  parameter: ItemParameterPrompt | null;
  userAction: UserAction | null;
  statusDetail: Record<string, unknown> | null;
  clientUserId: string | null;
  webhookUrl: string | null;
  oauthRedirectUri: string | null;
  products: ProductType[];
  /** The stored credentials (never returned). */
  parameters: Record<string, string>;
  readonly createdAt: string;
  updatedAt: string;
  lastUpdatedAt: string | null;
  nextAutoSyncAt: string | null;
  autoSyncDisabled: boolean;
  consecutiveFailedLoginAttempts: number;
  accounts: SandboxAccount[];
  consents: SandboxConsent[];
  /** Whether item/created was sent (first successful connection). */
  connected: boolean;
  deletedAt: string | null;
  execution: Execution | null;
  /** Execution ends forced by the outcomes control, used before anything else decides. */
  scriptedOutcomes: ExecutionEnd[];
  pendingActivity: PendingActivity | null;
  /** Every status change, for tests that check the progression. */
  history: HistoryEntry[];
  /** Random state for the Open Finance authorisation URL. */
  authorizationState: string | null;
  /** When the client last asked for an update (`PATCH /items/{id}` with the API key, no credentials). */
  lastClientUpdateAt: string | null;
}

export interface CategoryUpdate {
  readonly transactionId: string;
  readonly accountId: string;
  readonly itemId: string;
  readonly categoryId: string;
  readonly previousCategoryId: string | null;
  readonly at: string;
}

export interface CreateItemInput {
  readonly connector: SandboxConnector;
  readonly parameters: Record<string, string>;
  readonly clientUserId: string | null;
  readonly webhookUrl: string | null;
  readonly oauthRedirectUri: string | null;
  readonly products: ProductType[] | undefined;
  readonly trigger: TriggeredBy;
}

export interface StateOptions {
  readonly seed: string;
  /** Delay between execution steps; the whole UPDATING phase takes about five of them. */
  readonly executionStepMs: number;
  /** Lifetime of new Open Finance consents in days; undefined = no expiry (Pluggy's default). */
  readonly consentDays: number | undefined;
  /** The sandbox's own URL, for links in payloads (resolved after it listens). */
  readonly baseUrl: () => string;
}

export class PluggySandboxState {
  private readonly items = new Map<string, SandboxItem>();
  private readonly accounts = new Map<string, { item: SandboxItem; account: SandboxAccount }>();
  private readonly transactions = new Map<string, { item: SandboxItem; account: SandboxAccount; transaction: SandboxTransaction }>();
  private categoryUpdateLog: CategoryUpdate[] = [];
  /** Ends forced for the next executions of any Item. */
  private globalScriptedOutcomes: ExecutionEnd[] = [];

  constructor(
    private readonly clock: SandboxClock,
    private readonly webhooks: PluggyWebhooks,
    private readonly options: StateOptions,
  ) {}

  // ---- lookups ---------------------------------------------------------------------------------------------

  /** A live Item (404 ITEM_NOT_FOUND when unknown or deleted); expired MFA / authorisation waits end first. */
  liveItem(id: string): SandboxItem {
    const item = this.items.get(id);
    if (!item || item.deletedAt !== null) throw itemNotFound();
    this.expireWait(item);
    return item;
  }

  /** Any Item, deleted ones included (control endpoints). */
  findItem(id: string): SandboxItem | undefined {
    const item = this.items.get(id);
    if (item && item.deletedAt === null) this.expireWait(item);
    return item;
  }

  allItems(): SandboxItem[] {
    return [...this.items.values()];
  }

  /** The account if its Item is live, whether or not its data is visible. */
  liveAccount(id: string): { item: SandboxItem; account: SandboxAccount } | undefined {
    const entry = this.accounts.get(id);
    return entry && entry.item.deletedAt === null ? entry : undefined;
  }

  /** The account if its Item is live and its data visible (Open Finance consent active). */
  visibleAccount(id: string): { item: SandboxItem; account: SandboxAccount } | undefined {
    const entry = this.accounts.get(id);
    if (!entry || entry.item.deletedAt !== null || !this.dataVisible(entry.item)) return undefined;
    return entry;
  }

  visibleTransaction(id: string): { item: SandboxItem; account: SandboxAccount; transaction: SandboxTransaction } | undefined {
    const entry = this.transactions.get(id);
    if (!entry || entry.item.deletedAt !== null || !this.dataVisible(entry.item)) return undefined;
    return entry;
  }

  /**
   * Whether the Item's data may be read. An Open Finance Item whose consent expired or was revoked answers
   * with empty data (https://docs.pluggy.ai/en/docs/security/data-protection).
   */
  dataVisible(item: SandboxItem): boolean {
    if (!item.connector.isOpenFinance) return true;
    const consent = this.currentConsent(item);
    return consent !== undefined && consentIsActive(consent, this.clock.now());
  }

  currentConsent(item: SandboxItem): SandboxConsent | undefined {
    return item.consents[item.consents.length - 1];
  }

  findConsent(id: string): { item: SandboxItem; consent: SandboxConsent } | undefined {
    for (const item of this.items.values()) {
      const consent = item.consents.find((candidate) => candidate.id === id);
      if (consent) return { item, consent };
    }
    return undefined;
  }

  categoryUpdates(filter: { transactionId?: string; itemId?: string } = {}): CategoryUpdate[] {
    return this.categoryUpdateLog.filter(
      (entry) => (filter.transactionId === undefined || entry.transactionId === filter.transactionId) && (filter.itemId === undefined || entry.itemId === filter.itemId),
    );
  }

  // ---- Item lifecycle --------------------------------------------------------------------------------------

  createItem(input: CreateItemInput): SandboxItem {
    const now = this.isoNow();
    const item: SandboxItem = {
      id: randomUUID(),
      connector: input.connector,
      status: 'UPDATING',
      executionStatus: 'CREATING',
      error: null,
      parameter: null,
      userAction: null,
      statusDetail: null,
      clientUserId: input.clientUserId,
      webhookUrl: input.webhookUrl,
      oauthRedirectUri: input.oauthRedirectUri,
      products: input.products ?? [...input.connector.products],
      parameters: { ...input.parameters },
      createdAt: now,
      updatedAt: now,
      lastUpdatedAt: null,
      nextAutoSyncAt: null,
      autoSyncDisabled: false,
      consecutiveFailedLoginAttempts: 0,
      accounts: [],
      consents: [],
      connected: false,
      deletedAt: null,
      execution: null,
      scriptedOutcomes: [],
      pendingActivity: null,
      history: [],
      authorizationState: null,
      lastClientUpdateAt: null,
    };
    this.items.set(item.id, item);
    this.startExecution(item, input.trigger, 'CREATING');
    return item;
  }

  /** Items of the same connector, user and login as `parameters` (for `avoidDuplicates`). */
  duplicatesOf(connector: SandboxConnector, clientUserId: string | null, parameters: Record<string, string>): SandboxItem[] {
    const login = parameters.user ?? parameters.cpf;
    return [...this.items.values()].filter(
      (item) => item.deletedAt === null && item.connector.id === connector.id && item.clientUserId === clientUserId && (item.parameters.user ?? item.parameters.cpf) === login,
    );
  }

  /**
   * Refuses a client update asked for sooner than `hours` after the Item's last update (its last collection
   * or the client's last request, whichever is later) with Pluggy's 409 (OAS items-update, example
   * CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY with `data.minUpdateFrequencyAllowedInHours` and
   * `data.lastUpdatedAt`). Records the request when it is allowed.
   */
  checkClientUpdateFrequency(item: SandboxItem, hours: number): void {
    if (hours > 0) {
      const last = [item.lastUpdatedAt, item.lastClientUpdateAt].filter((at): at is string => at !== null).sort().pop();
      if (last !== undefined && this.clock.now() < Date.parse(last) + hours * 3_600_000) {
        throw new PluggyApiError(
          409,
          `Client updates on this item are allowed at most every ${hours} hours. Last update was at ${last}`,
          'CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY',
          { data: { minUpdateFrequencyAllowedInHours: hours, lastUpdatedAt: last } },
        );
      }
    }
    item.lastClientUpdateAt = this.isoNow();
  }

  /** `PATCH /items/{id}`: optional new credentials and settings, then a new execution. */
  updateItem(item: SandboxItem, patch: { parameters?: Record<string, string>; clientUserId?: string; webhookUrl?: string; products?: ProductType[] }, trigger: TriggeredBy): SandboxItem {
    if (item.execution !== null && item.execution.waiting === undefined) {
      throw new PluggyApiError(400, 'An update is already in progress, wait until the last execution ends', 'ITEM_ALREADY_UPDATING');
    }
    if (patch.parameters !== undefined) item.parameters = { ...item.parameters, ...patch.parameters };
    if (patch.clientUserId !== undefined) item.clientUserId = patch.clientUserId;
    if (patch.webhookUrl !== undefined) item.webhookUrl = patch.webhookUrl;
    if (patch.products !== undefined) item.products = [...patch.products];
    this.cancelExecution(item);
    this.startExecution(item, trigger, 'LOGIN_IN_PROGRESS');
    return item;
  }

  /** `POST /items/{id}/mfa` with the flat `{<parameter name>: value}` map. */
  submitMfa(item: SandboxItem, values: Record<string, string>): SandboxItem {
    const execution = item.execution;
    if (item.status !== 'WAITING_USER_INPUT' || execution?.waiting !== 'input' || item.parameter === null) {
      throw new PluggyApiError(400, 'Item is not waiting for user input', 'ITEM_NOT_WAITING_USER_INPUT');
    }
    const name = item.parameter.name;
    const value = values[name];
    if (value === undefined) {
      throw new PluggyApiError(400, `The parameter '${name}' is required`, 'CONNECTOR_REQUIRED_PARAMETER_VALIDATION_ERROR', {
        errors: [{ code: '001', message: `Parameter '${name}' is required`, parameter: name }],
        data: { parameter: name },
      });
    }
    execution.waiting = undefined;
    execution.waitingUntilMs = undefined;
    item.parameter = null;
    if (value !== SANDBOX_MFA_TOKEN) {
      this.endExecution(item, { executionStatus: 'INVALID_CREDENTIALS_MFA' });
      return item;
    }
    this.transition(item, 'UPDATING', 'LOGIN_MFA_IN_PROGRESS');
    this.loginSucceeded(item);
    this.scheduleNext(item);
    return item;
  }

  /**
   * The user finished (or refused) the Open Finance authorisation at the bank. `granted` creates the consent
   * and lets the execution continue.
   */
  authorize(item: SandboxItem, input: { granted: boolean; consentExpiresInDays?: number | null }): SandboxItem {
    const execution = item.execution;
    if (item.status !== 'WAITING_USER_ACTION' || execution?.waiting !== 'action') {
      throw new PluggyApiError(400, 'Item is not waiting for a user action', 'ITEM_NOT_WAITING_USER_ACTION');
    }
    execution.waiting = undefined;
    execution.waitingUntilMs = undefined;
    item.userAction = null;
    item.authorizationState = null;
    if (!input.granted) {
      this.endExecution(item, { executionStatus: 'USER_AUTHORIZATION_NOT_GRANTED' });
      return item;
    }
    const days = input.consentExpiresInDays === undefined ? this.options.consentDays : (input.consentExpiresInDays ?? undefined);
    const consent: SandboxConsent = {
      id: randomUUID(),
      itemId: item.id,
      products: [...item.products],
      openFinancePermissionsGranted: [...new Set(item.products.flatMap((product) => PERMISSIONS_BY_PRODUCT[product] ?? []))],
      createdAt: this.isoNow(),
      expiresAt: days === undefined ? null : new Date(this.clock.now() + days * 86_400_000).toISOString(),
      revokedAt: null,
    };
    item.consents.push(consent);
    this.transition(item, 'UPDATING', 'LOGIN_IN_PROGRESS');
    this.loginSucceeded(item);
    this.scheduleNext(item);
    return item;
  }

  /** Finds the Item waiting on an authorisation URL's `state`. */
  itemForAuthorizationState(state: string): SandboxItem | undefined {
    return [...this.items.values()].find((item) => item.deletedAt === null && item.authorizationState === state);
  }

  /** `DELETE /items/{id}`: the Item and all its data are gone; its consents are revoked. */
  deleteItem(item: SandboxItem, trigger: TriggeredBy): void {
    this.cancelExecution(item);
    const now = this.isoNow();
    item.deletedAt = now;
    for (const consent of item.consents) if (consent.revokedAt === null) consent.revokedAt = now;
    for (const account of item.accounts) {
      this.accounts.delete(account.id);
      for (const transaction of account.transactions) this.transactions.delete(transaction.id);
    }
    this.emit(item, { event: 'item/deleted', triggeredBy: trigger });
  }

  disableAutoSync(item: SandboxItem): SandboxItem {
    item.autoSyncDisabled = true;
    item.nextAutoSyncAt = null;
    item.updatedAt = this.isoNow();
    return item;
  }

  /** Pluggy's auto-sync, on demand: a new execution triggered by SYNC that finds `activity`. */
  refresh(item: SandboxItem, activity: PendingActivity): SandboxItem {
    if (item.execution !== null && item.execution.waiting === undefined) {
      throw new PluggyApiError(400, 'An update is already in progress, wait until the last execution ends', 'ITEM_ALREADY_UPDATING');
    }
    item.pendingActivity = activity;
    this.cancelExecution(item);
    this.startExecution(item, 'SYNC', 'LOGIN_IN_PROGRESS');
    return item;
  }

  /** Forces how the next executions end (for an Item, or for any Item when `item` is undefined). */
  scriptOutcomes(item: SandboxItem | undefined, ends: readonly ExecutionEnd[]): void {
    if (item) item.scriptedOutcomes.push(...ends);
    else this.globalScriptedOutcomes.push(...ends);
  }

  /** Runs the current execution's remaining steps now, up to a pause or the end. */
  completeExecution(item: SandboxItem): SandboxItem {
    for (let guard = 0; guard < 20; guard += 1) {
      const execution = item.execution;
      if (!execution || execution.waiting !== undefined) break;
      if (execution.timer) clearTimeout(execution.timer);
      execution.timer = undefined;
      this.runPhase(item);
    }
    return item;
  }

  setTransactionCategory(entry: { item: SandboxItem; account: SandboxAccount; transaction: SandboxTransaction }, category: { id: string; description: string }): SandboxTransaction {
    const { transaction } = entry;
    this.categoryUpdateLog.push({
      transactionId: transaction.id,
      accountId: entry.account.id,
      itemId: entry.item.id,
      categoryId: category.id,
      previousCategoryId: transaction.categoryId,
      at: this.isoNow(),
    });
    transaction.categoryId = category.id;
    transaction.category = category.description;
    transaction.updatedAt = this.isoNow();
    return transaction;
  }

  /**
   * Pluggy changing transactions outside an update: its categorization runs on collected transactions and is
   * refined afterwards (https://docs.pluggy.ai/reference/transaction: "Transactions are categorized in
   * real-time after they are collected"), announced by `transactions/updated`
   * (https://docs.pluggy.ai/en/docs/reference/webhooks). No execution runs, so the Item's `lastUpdatedAt`
   * ("Date of last syncronization", OAS Item) stays where it was. The newest `perAccount` transactions of
   * each account move to another category; returns the ids changed per account.
   */
  enrichTransactions(item: SandboxItem, perAccount: number): { accountId: string; ids: string[] }[] {
    const now = this.isoNow();
    const changed: { accountId: string; ids: string[] }[] = [];
    for (const account of item.accounts) {
      const rows = account.transactions.slice(Math.max(0, account.transactions.length - perAccount));
      for (const transaction of rows) {
        const category = findCategory(transaction.categoryId === ENRICHED_CATEGORY_ID ? FALLBACK_CATEGORY_ID : ENRICHED_CATEGORY_ID)!;
        transaction.categoryId = category.id;
        transaction.category = category.description;
        transaction.updatedAt = now;
      }
      const ids = rows.map((transaction) => transaction.id);
      if (ids.length === 0) continue;
      changed.push({ accountId: account.id, ids });
      for (let start = 0; start < ids.length; start += TRANSACTION_IDS_PER_EVENT) {
        this.emit(item, { event: 'transactions/updated', triggeredBy: 'INTERNAL', accountId: account.id, transactionIds: ids.slice(start, start + TRANSACTION_IDS_PER_EVENT) });
      }
    }
    return changed;
  }

  expireConsent(consent: SandboxConsent): void {
    consent.expiresAt = new Date(this.clock.now() - 1000).toISOString();
    const item = this.items.get(consent.itemId);
    if (item) item.updatedAt = this.isoNow();
  }

  revokeConsent(consent: SandboxConsent): void {
    if (consent.revokedAt === null) consent.revokedAt = this.isoNow();
  }

  reset(): void {
    for (const item of this.items.values()) this.cancelExecution(item);
    this.items.clear();
    this.accounts.clear();
    this.transactions.clear();
    this.categoryUpdateLog = [];
    this.globalScriptedOutcomes = [];
  }

  stop(): void {
    for (const item of this.items.values()) if (item.execution?.timer) clearTimeout(item.execution.timer);
  }

  // ---- execution engine ------------------------------------------------------------------------------------

  private startExecution(item: SandboxItem, trigger: TriggeredBy, firstStatus: 'CREATING' | 'LOGIN_IN_PROGRESS'): void {
    item.error = null;
    item.parameter = null;
    item.userAction = null;
    item.authorizationState = null;
    item.execution = { trigger, startedAt: this.isoNow(), phases: ['login', 'accounts', 'credit_cards', 'transactions', 'finish'] };
    this.transition(item, 'UPDATING', firstStatus);
    this.scheduleNext(item);
  }

  private scheduleNext(item: SandboxItem): void {
    const execution = item.execution;
    if (!execution || execution.waiting !== undefined || execution.phases.length === 0) return;
    const timer = setTimeout(() => {
      if (item.execution !== execution) return;
      execution.timer = undefined;
      this.runPhase(item);
    }, this.options.executionStepMs);
    // A sandbox with an execution in flight must not keep a test process alive.
    timer.unref();
    execution.timer = timer;
  }

  private runPhase(item: SandboxItem): void {
    const execution = item.execution;
    if (!execution) return;
    const phase = execution.phases.shift();
    switch (phase) {
      case 'login':
        this.login(item, execution);
        return;
      case 'accounts':
        this.transition(item, 'UPDATING', 'ACCOUNTS_IN_PROGRESS');
        break;
      case 'credit_cards':
        this.transition(item, 'UPDATING', 'CREDITCARDS_IN_PROGRESS');
        break;
      case 'transactions':
        this.transition(item, 'UPDATING', 'TRANSACTIONS_IN_PROGRESS');
        break;
      case 'finish':
        this.finishSuccessfully(item, execution);
        return;
      default:
        return;
    }
    this.scheduleNext(item);
  }

  private login(item: SandboxItem, execution: Execution): void {
    if (item.executionStatus !== 'LOGIN_IN_PROGRESS') this.transition(item, 'UPDATING', 'LOGIN_IN_PROGRESS');
    const scripted = item.scriptedOutcomes.shift() ?? this.globalScriptedOutcomes.shift();
    const outcome: LoginOutcome = scripted ? { multiplier: 1, ...scripted } : this.credentialOutcome(item);
    execution.outcome = outcome;
    if (outcome.executionStatus !== 'SUCCESS' && outcome.executionStatus !== 'PARTIAL_SUCCESS') {
      this.endExecution(item, outcome);
      return;
    }
    if (scripted === undefined && item.connector.flow === 'mfa') {
      this.waitForInput(item, execution);
      return;
    }
    if (scripted === undefined && item.connector.flow === 'open_finance' && !this.dataVisible(item)) {
      this.waitForAction(item, execution);
      return;
    }
    this.loginSucceeded(item);
    this.scheduleNext(item);
  }

  private credentialOutcome(item: SandboxItem): LoginOutcome {
    if (item.connector.flow === 'open_finance') {
      return isCpf(item.parameters.cpf ?? '') ? { executionStatus: 'SUCCESS', multiplier: 1 } : { executionStatus: 'INVALID_CREDENTIALS', multiplier: 1 };
    }
    return loginOutcome(item.parameters.user ?? '', item.parameters.password ?? '');
  }

  private waitForInput(item: SandboxItem, execution: Execution): void {
    const expiresAtMs = this.clock.now() + MFA_TIMEOUT_MS;
    execution.waiting = 'input';
    execution.waitingUntilMs = expiresAtMs;
    item.parameter = { ...MFA_TOKEN_PARAMETER, expiresAt: new Date(expiresAtMs).toISOString() };
    this.transition(item, 'WAITING_USER_INPUT', 'WAITING_USER_INPUT');
    this.emit(item, { event: 'item/waiting_user_input', triggeredBy: execution.trigger });
  }

  private waitForAction(item: SandboxItem, execution: Execution): void {
    const expiresAtMs = this.clock.now() + AUTHORIZATION_TIMEOUT_MS;
    const state = randomUUID();
    execution.waiting = 'action';
    execution.waitingUntilMs = expiresAtMs;
    item.authorizationState = state;
    item.userAction = {
      type: 'authorize-access',
      instructions: `Authorize access to your ${item.connector.name} data at your bank. In this sandbox, open the URL (or call POST /sandbox/local/items/${item.id}/authorize).`,
      attributes: { url: `${this.options.baseUrl()}/sandbox/local/oauth/authorize?state=${state}` },
      expiresAt: new Date(expiresAtMs).toISOString(),
    };
    this.transition(item, 'WAITING_USER_ACTION', 'WAITING_USER_ACTION');
    this.emit(item, { event: 'item/waiting_user_action', triggeredBy: execution.trigger });
  }

  /** A pause the user let run out ends the execution with USER_INPUT_TIMEOUT (retryable: OUTDATED). */
  private expireWait(item: SandboxItem): void {
    const execution = item.execution;
    if (!execution || execution.waiting === undefined || execution.waitingUntilMs === undefined) return;
    if (this.clock.now() <= execution.waitingUntilMs) return;
    item.parameter = null;
    item.userAction = null;
    item.authorizationState = null;
    this.endExecution(item, { executionStatus: 'USER_INPUT_TIMEOUT' });
  }

  private loginSucceeded(item: SandboxItem): void {
    item.consecutiveFailedLoginAttempts = 0;
    this.emit(item, { event: 'item/login_succeeded', triggeredBy: item.execution?.trigger ?? 'CLIENT' });
  }

  private endExecution(item: SandboxItem, end: ExecutionEnd): void {
    const trigger = item.execution?.trigger ?? 'CLIENT';
    this.cancelExecution(item);
    const status = itemStatusFor(end.executionStatus);
    item.error = executionError(end);
    item.parameter = null;
    item.userAction = null;
    item.statusDetail = null;
    if (status === 'LOGIN_ERROR') {
      item.consecutiveFailedLoginAttempts += 1;
      // No auto-sync until the user sends new credentials (https://docs.pluggy.ai/docs/item-lifecycle).
      item.nextAutoSyncAt = null;
    }
    this.transition(item, status, end.executionStatus);
    this.emit(item, { event: 'item/error', triggeredBy: trigger, error: item.error === null ? null : { code: item.error.code, message: item.error.message } });
  }

  private finishSuccessfully(item: SandboxItem, execution: Execution): void {
    const outcome = execution.outcome ?? { executionStatus: 'SUCCESS', multiplier: 1 };
    const now = this.isoNow();
    const firstConnection = item.accounts.length === 0 && !item.connected;
    const changes = firstConnection ? this.collectInitialData(item, outcome, now) : this.applyActivity(item, now);
    item.pendingActivity = null;
    item.execution = null;
    item.error = null;
    item.parameter = null;
    item.userAction = null;
    item.lastUpdatedAt = now;
    item.nextAutoSyncAt = item.autoSyncDisabled ? null : new Date(this.clock.now() + AUTO_SYNC_INTERVAL_MS).toISOString();
    item.statusDetail = this.statusDetail(item, outcome, now);
    this.transition(item, 'UPDATED', outcome.executionStatus === 'PARTIAL_SUCCESS' ? 'PARTIAL_SUCCESS' : 'SUCCESS');
    const connectedNow = !item.connected;
    item.connected = true;
    this.emit(item, { event: connectedNow ? 'item/created' : 'item/updated', triggeredBy: execution.trigger });
    for (const { account, created } of changes.created) {
      if (created.length === 0) continue;
      const params = new URLSearchParams({ accountId: account.id, createdAtFrom: execution.startedAt });
      this.emit(item, {
        event: 'transactions/created',
        triggeredBy: execution.trigger,
        accountId: account.id,
        transactionsCreatedAtFrom: execution.startedAt,
        createdTransactionsLink: `${this.options.baseUrl()}/v2/transactions?${params.toString()}`,
      });
    }
    for (const { account, ids } of changes.updated) {
      for (let start = 0; start < ids.length; start += TRANSACTION_IDS_PER_EVENT) {
        this.emit(item, { event: 'transactions/updated', triggeredBy: execution.trigger, accountId: account.id, transactionIds: ids.slice(start, start + TRANSACTION_IDS_PER_EVENT) });
      }
    }
    for (const { account, ids } of changes.deleted) {
      if (ids.length > 0) this.emit(item, { event: 'transactions/deleted', triggeredBy: execution.trigger, accountId: account.id, transactionIds: ids });
    }
  }

  private collectInitialData(item: SandboxItem, outcome: LoginOutcome, now: string): DataChanges {
    const accounts = generateAccounts({
      seed: this.options.seed,
      itemId: item.id,
      nowMs: this.clock.now(),
      createdAt: now,
      multiplier: outcome.multiplier,
      products: item.products,
      includeBankAccounts: outcome.executionStatus !== 'PARTIAL_SUCCESS',
      openFinance: item.connector.isOpenFinance,
    });
    item.accounts = accounts;
    for (const account of accounts) {
      this.accounts.set(account.id, { item, account });
      for (const transaction of account.transactions) this.transactions.set(transaction.id, { item, account, transaction });
    }
    // The first sync's history is announced by item/created, not by transactions/created.
    return { created: [], updated: [], deleted: [] };
  }

  private applyActivity(item: SandboxItem, now: string): DataChanges {
    const activity = item.pendingActivity;
    const changes: DataChanges = { created: [], updated: [], deleted: [] };
    if (!activity) return changes;
    for (const account of item.accounts) {
      if (activity.postPending && account.type === 'BANK') {
        const posted = account.transactions.filter((transaction) => transaction.status === 'PENDING');
        for (const transaction of posted) {
          transaction.status = 'POSTED';
          transaction.updatedAt = now;
        }
        if (posted.length > 0) changes.updated.push({ account, ids: posted.map((transaction) => transaction.id) });
      }
      if (activity.deleteTransactions > 0 && account.type === 'BANK') {
        const opening = openingBalanceOf(account);
        const removed = account.transactions.splice(Math.max(0, account.transactions.length - activity.deleteTransactions));
        for (const transaction of removed) this.transactions.delete(transaction.id);
        recomputeBalances(account, opening);
        if (removed.length > 0) changes.deleted.push({ account, ids: removed.map((transaction) => transaction.id) });
      }
      const created = appendActivity(account, { seed: this.options.seed, nowMs: this.clock.now(), createdAt: now, count: activity.newTransactions, openFinance: item.connector.isOpenFinance });
      for (const transaction of created) this.transactions.set(transaction.id, { item, account, transaction });
      changes.created.push({ account, created });
    }
    return changes;
  }

  private statusDetail(item: SandboxItem, outcome: LoginOutcome, now: string): Record<string, unknown> | null {
    if (outcome.executionStatus !== 'PARTIAL_SUCCESS' && !outcome.accountsWarning) return null;
    const product = (name: ProductType): Record<string, unknown> | null => (item.products.includes(name) ? { isUpdated: true, lastUpdatedAt: now, warnings: [] } : null);
    const accounts = outcome.executionStatus === 'PARTIAL_SUCCESS'
      ? { isUpdated: false, lastUpdatedAt: null, warnings: [] }
      : { isUpdated: true, lastUpdatedAt: now, warnings: [{ code: '001', message: 'The account product was collected with warnings.', providerMessage: 'Alguns dados da conta não estão disponíveis.' }] };
    return {
      accounts: item.products.includes('ACCOUNTS') ? accounts : null,
      creditCards: product('CREDIT_CARDS'),
      transactions: product('TRANSACTIONS'),
      investments: product('INVESTMENTS'),
      investmentTransactions: product('INVESTMENTS_TRANSACTIONS'),
      identity: product('IDENTITY'),
      paymentData: product('PAYMENT_DATA'),
      loans: product('LOANS'),
    };
  }

  private cancelExecution(item: SandboxItem): void {
    if (item.execution?.timer) clearTimeout(item.execution.timer);
    item.execution = null;
  }

  private transition(item: SandboxItem, status: ItemStatus, executionStatus: string): void {
    const now = this.isoNow();
    item.status = status;
    item.executionStatus = executionStatus;
    item.updatedAt = now;
    item.history.push({ at: now, status, executionStatus });
  }

  private emit(item: SandboxItem, payload: { readonly event: WebhookPayload['event'] } & Record<string, unknown>): void {
    this.webhooks.emit(
      { ...payload, itemId: item.id, clientId: this.webhooks.clientId, clientUserId: item.clientUserId } as WebhookPayload,
      item.webhookUrl,
    );
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

interface DataChanges {
  created: Array<{ account: SandboxAccount; created: SandboxTransaction[] }>;
  updated: Array<{ account: SandboxAccount; ids: string[] }>;
  deleted: Array<{ account: SandboxAccount; ids: string[] }>;
}

export function isProductType(value: unknown): value is ProductType {
  return typeof value === 'string' && (PRODUCT_TYPES as readonly string[]).includes(value);
}

export type { FinalExecutionStatus };
