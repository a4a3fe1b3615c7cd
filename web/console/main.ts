/**
 * The demo console: what a frontend of this API does, written as one would write it. It signs in through
 * the dev-only sign-in route, calls the API with the typed client (web/api/client.ts), links banks with
 * Plaid Link (`Plaid.create`) and Pluggy Connect (`new PluggyConnect(...).init()`), whichever script the
 * dev server's config names (the local sandboxes' stand-ins offline, the providers' own with real keys).
 * Each connection shows the API's `next_step` with a button that performs it, and an Events panel follows
 * the app events the service publishes (events.ts), refreshing what they changed.
 */
import { createBankingClient, errorMessage, type Account, type Category, type Connection, type SyncRun, type Transaction } from '../api/client';
import { dateOnly, h, money, shortDate, type Child } from './dom';
import { affectedViews, eventSummary, openEventFeed, type AppEventMessage, type EventFeed, type FeedState } from './events';

interface PlaidMetadata {
  institution: { institution_id: string; name: string } | null;
  accounts: { id: string; name: string; mask: string | null }[];
}
interface PlaidHandler {
  open(): void;
  destroy(): void;
}
declare global {
  interface Window {
    Plaid?: {
      create(config: {
        token: string;
        onSuccess: (publicToken: string, metadata: PlaidMetadata) => void;
        onExit?: (error: { error_code?: string; display_message?: string | null } | null, metadata: unknown) => void;
      }): PlaidHandler;
    };
    PluggyConnect?: new (options: Record<string, unknown>) => { init(): Promise<void> | void };
  }
}

interface DevConfig {
  plaid: { script_url: string; environment: string };
  pluggy: { script_url: string; include_sandbox: boolean };
  events: { url: string | null; types: string[] };
}

type NextStep = NonNullable<Connection['next_step']>;

const SESSION_KEY = 'open-banking-console-session';
const FINISHED = new Set(['succeeded', 'partial', 'failed']);
/** How many events the panel keeps (newest first). */
const EVENTS_KEPT = 50;

const state = {
  userId: null as string | null,
  token: null as string | null,
  config: null as DevConfig | null,
  connections: [] as Connection[],
  accounts: [] as Account[],
  categories: [] as Category[],
  transactions: [] as Transaction[],
  cursors: [null] as (string | null)[],
  page: 0,
  nextCursor: null as string | null,
  filters: { account_id: '', pending: '', category_id: '', date_from: '', date_to: '' },
  selected: new Set<string>(),
  history: new Map<string, SyncRun[]>(),
  progress: new Map<string, string>(),
  mfaPrompts: new Map<string, { name: string; label: string | null }>(),
  consents: new Map<string, string>(),
  notice: null as { kind: 'info' | 'error'; text: string } | null,
  events: [] as AppEventMessage[],
  /** null: the gateway does not stream events (no dev tap queue). */
  feedState: null as FeedState | null,
};

let feed: EventFeed | undefined;

const api = createBankingClient({ baseUrl: window.location.origin, token: () => state.token });
const root = document.getElementById('app')!;

function notify(kind: 'info' | 'error', text: string): void {
  state.notice = { kind, text };
  render();
}

/** Unwraps an openapi-fetch answer: the data, or a notice with the API's error message. */
async function call<T>(promise: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T | undefined> {
  const { data, error, response } = await promise;
  if (error !== undefined || !response.ok) {
    if (response.status === 401) signOut('Your session expired; sign in again.');
    else notify('error', errorMessage(error, response.status));
    return undefined;
  }
  return data;
}

// ---- session -------------------------------------------------------------------------------------------

async function signIn(userId: string): Promise<void> {
  const response = await fetch('/dev/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: userId }) });
  const body = (await response.json()) as { token?: string; user_id?: string; error?: { message: string } };
  if (!response.ok || !body.token) return notify('error', body.error?.message ?? 'Sign-in failed');
  state.userId = body.user_id!;
  state.token = body.token;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ userId: state.userId, token: state.token }));
  state.notice = null;
  await startEventFeed();
  await reloadAll();
}

function signOut(message?: string): void {
  sessionStorage.removeItem(SESSION_KEY);
  feed?.close();
  feed = undefined;
  Object.assign(state, { userId: null, token: null, connections: [], accounts: [], transactions: [], categories: [], events: [], feedState: null });
  state.notice = message ? { kind: 'info', text: message } : null;
  render();
}

// ---- data ----------------------------------------------------------------------------------------------

async function reloadAll(): Promise<void> {
  const [connections, accounts, categories] = await Promise.all([
    call(api.GET('/api/v1/banking/connections')),
    call(api.GET('/api/v1/banking/accounts')),
    call(api.GET('/api/v1/banking/categories')),
  ]);
  state.connections = connections ?? [];
  state.accounts = accounts ?? [];
  state.categories = categories ?? [];
  state.cursors = [null];
  state.page = 0;
  await loadTransactions();
}

/** Reloads the current transactions page; `keepSelection` keeps the rows still on it selected (a live refresh). */
async function loadTransactions(keepSelection = false): Promise<void> {
  const filters = state.filters;
  const page = await call(
    api.GET('/api/v1/banking/transactions', {
      params: {
        query: {
          limit: 25,
          ...(state.cursors[state.page] ? { cursor: state.cursors[state.page]! } : {}),
          ...(filters.account_id ? { account_id: filters.account_id } : {}),
          ...(filters.pending ? { pending: filters.pending as 'true' | 'false' } : {}),
          ...(filters.category_id ? { category_id: filters.category_id } : {}),
          ...(filters.date_from ? { date_from: filters.date_from } : {}),
          ...(filters.date_to ? { date_to: filters.date_to } : {}),
        },
      },
    }),
  );
  state.transactions = page?.data ?? [];
  state.nextCursor = page?.next_cursor ?? null;
  const shown = new Set(state.transactions.map((transaction) => transaction.id));
  for (const id of state.selected) if (!keepSelection || !shown.has(id)) state.selected.delete(id);
  render();
}

// ---- live events ---------------------------------------------------------------------------------------

/** Follows the signed-in user's events (and institution events) on the gateway's stream, when it has one. */
async function startEventFeed(): Promise<void> {
  feed?.close();
  feed = undefined;
  const { events } = await config();
  if (!events.url || !state.userId) {
    state.feedState = null;
    return;
  }
  const url = `${events.url}?${new URLSearchParams({ user_id: state.userId })}`;
  feed = openEventFeed(url, events.types, receiveEvent, (feedState) => {
    state.feedState = feedState;
    render();
  });
}

function receiveEvent(event: AppEventMessage): void {
  // The stream may repeat an event the service published twice after a crash (same id); show it once.
  if (state.events.some((known) => known.id === event.id)) return;
  state.events = [event, ...state.events].sort((a, b) => b.timestamp.localeCompare(a.timestamp)).slice(0, EVENTS_KEPT);
  render();
  const affected = affectedViews(event.type);
  if (affected.connections) pendingRefresh.connections = true;
  if (affected.data) pendingRefresh.data = true;
  refreshing ??= refreshAffected().finally(() => (refreshing = undefined));
}

const pendingRefresh = { connections: false, data: false };
let refreshing: Promise<void> | undefined;

/** Reloads what events changed, without resetting the page or filters; events arriving meanwhile join in. */
async function refreshAffected(): Promise<void> {
  const userId = state.userId;
  while (pendingRefresh.connections || pendingRefresh.data) {
    const wanted = { ...pendingRefresh };
    pendingRefresh.connections = pendingRefresh.data = false;
    const [connections, accounts] = await Promise.all([
      wanted.connections ? call(api.GET('/api/v1/banking/connections')) : undefined,
      wanted.data ? call(api.GET('/api/v1/banking/accounts')) : undefined,
    ]);
    // Signed out (or in as someone else) meanwhile: these answers belong to the previous session.
    if (state.userId !== userId) return;
    if (connections) state.connections = connections;
    if (accounts) state.accounts = accounts;
    if (wanted.data) await loadTransactions(true);
    else render();
  }
}

/** Connections the user is deleting: their runs are followed no further. */
const stopFollowing = new Set<string>();
/** The sync-runs read a followed run has in flight, by connection: a delete waits for it (after the delete it would be a 404). */
const followReads = new Map<string, Promise<unknown>>();

/** Follows a sync run until it finishes, showing its progress on the connection's card. */
async function followRun(connectionId: string, runId: string): Promise<void> {
  for (;;) {
    if (stopFollowing.has(connectionId)) return;
    const read = call(api.GET('/api/v1/banking/connections/{connectionId}/sync-runs', { params: { path: { connectionId }, query: { limit: 10 } } }));
    followReads.set(connectionId, read);
    const runs = await read.finally(() => followReads.delete(connectionId));
    const run = runs?.data.find((candidate) => candidate.id === runId);
    if (!runs || !run) break;
    state.history.set(connectionId, runs.data);
    if (FINISHED.has(run.outcome)) {
      const total = run.counts.added + run.counts.modified + run.counts.removed;
      state.progress.set(connectionId, `Sync ${run.outcome}: ${total} transaction${total === 1 ? '' : 's'} synced`);
      break;
    }
    state.progress.set(connectionId, `Syncing… (${run.outcome})`);
    render();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await reloadAll();
}

async function syncNow(connection: Connection): Promise<void> {
  state.progress.set(connection.id, 'Syncing…');
  render();
  const { data, error, response } = await api.POST('/api/v1/banking/connections/{connectionId}/sync', {
    params: { path: { connectionId: connection.id }, query: { wait: 20 } },
  });
  if (!data) return notify('error', errorMessage(error, response.status));
  await followRun(connection.id, data.sync_run_id);
}

async function showHistory(connection: Connection): Promise<void> {
  if (state.history.has(connection.id)) {
    state.history.delete(connection.id);
    return render();
  }
  const runs = await call(api.GET('/api/v1/banking/connections/{connectionId}/sync-runs', { params: { path: { connectionId: connection.id }, query: { limit: 10 } } }));
  state.history.set(connection.id, runs?.data ?? []);
  render();
}

// ---- providers' scripts ----------------------------------------------------------------------------------

const loadedScripts = new Map<string, Promise<void>>();
function loadScript(url: string): Promise<void> {
  let loading = loadedScripts.get(url);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = h('script', { src: url }) as HTMLScriptElement;
      script.onload = () => resolve();
      script.onerror = () => reject(new Error(`could not load ${url}`));
      document.head.append(script);
    });
    loadedScripts.set(url, loading);
  }
  return loading;
}

async function config(): Promise<DevConfig> {
  state.config ??= (await (await fetch('/dev/config')).json()) as DevConfig;
  return state.config;
}

/** Plaid Link, new Item or update mode (`connection`); https://plaid.com/docs/link/web/ */
async function openPlaidLink(connection?: Connection): Promise<void> {
  await loadScript((await config()).plaid.script_url);
  const token = connection
    ? await call(api.POST('/api/v1/banking/connections/{connectionId}/credentials', { params: { path: { connectionId: connection.id } }, body: {} }))
    : await call(api.POST('/api/v1/banking/link-token', { body: { user_id: state.userId! } }));
  if (!token || !('link_token' in token)) return;
  const handler = window.Plaid!.create({
    token: token.link_token,
    onSuccess: async (publicToken, metadata) => {
      handler.destroy();
      if (connection) {
        // Update mode: nothing to exchange; the Item works again, so sync it.
        notify('info', `${connection.institution.name} re-authenticated`);
        return syncNow(connection);
      }
      const linked = await call(api.POST('/api/v1/banking/plaid/exchange', { body: { public_token: publicToken, institution: metadata.institution, accounts: metadata.accounts } }));
      if (!linked) return;
      notify('info', `Linked ${linked.connection.institution.name}`);
      state.connections = [...state.connections.filter((known) => known.id !== linked.connection.id), linked.connection];
      if (linked.sync_run_id) await followRun(linked.connection.id, linked.sync_run_id);
      else await reloadAll();
    },
    onExit: (error) => {
      handler.destroy();
      if (error) notify('error', `Plaid Link: ${error.display_message ?? error.error_code ?? 'error'}`);
    },
  });
  handler.open();
}

/** Pluggy Connect, new Item or update mode; https://www.npmjs.com/package/pluggy-connect-sdk */
async function openPluggyConnect(connection?: Connection): Promise<void> {
  const settings = await config();
  await loadScript(settings.pluggy.script_url);
  const token = connection
    ? await call(api.POST('/api/v1/banking/connections/{connectionId}/credentials', { params: { path: { connectionId: connection.id } }, body: {} }))
    : await call(api.POST('/api/v1/banking/pluggy/connect-token', { body: {} }));
  if (!token || !('widget_options' in token)) return;
  const widget = new window.PluggyConnect!({
    ...token.widget_options,
    includeSandbox: settings.pluggy.include_sandbox,
    onSuccess: async ({ item }: { item: { id: string } }) => {
      if (connection) return syncNow(connection);
      const created = await call(api.POST('/api/v1/banking/connections', { body: { item_id: item.id } }));
      if (!created) return;
      notify('info', `Connected ${created.connection.institution.name}`);
      if (created.mfa) state.mfaPrompts.set(created.connection.id, created.mfa);
      if (created.sync_run_id) await followRun(created.connection.id, created.sync_run_id);
      else await reloadAll();
    },
    onError: (error: { message?: string }) => notify('error', `Pluggy Connect: ${error.message ?? 'error'}`),
  });
  await widget.init();
}

async function submitMfa(connection: Connection, name: string, value: string): Promise<void> {
  const answered = await call(
    api.POST('/api/v1/banking/connections/{connectionId}/mfa', { params: { path: { connectionId: connection.id } }, body: { parameters: { [name]: value } } }),
  );
  if (!answered) return;
  state.mfaPrompts.delete(connection.id);
  if (answered.mfa) state.mfaPrompts.set(connection.id, answered.mfa);
  if (answered.sync_run_id) await followRun(connection.id, answered.sync_run_id);
  else await reloadAll();
}

async function showConsent(connection: Connection): Promise<void> {
  const consent = await call(api.GET('/api/v1/banking/connections/{connectionId}/consent', { params: { path: { connectionId: connection.id } } }));
  if (!consent) return;
  const summary = consent.consent
    ? `${consent.consent.valid ? 'Valid' : 'Not valid'} · products ${consent.consent.products.join(', ') || '-'} · expires ${shortDate(consent.consent.expires_at)}`
    : 'No Open Finance consent on this connection';
  state.consents.set(connection.id, summary);
  render();
}

async function deleteConnection(connection: Connection): Promise<void> {
  if (!window.confirm(`Delete the connection to ${connection.institution.name}? Its accounts and transactions are removed.`)) return;
  stopFollowing.add(connection.id);
  await followReads.get(connection.id);
  const { error, response } = await api.DELETE('/api/v1/banking/connections/{connectionId}', { params: { path: { connectionId: connection.id } } });
  if (!response.ok) {
    stopFollowing.delete(connection.id);
    return notify('error', errorMessage(error, response.status));
  }
  notify('info', `Deleted ${connection.institution.name}`);
  await reloadAll();
}

async function updateTransaction(transaction: Transaction, change: { category_id?: string | null; note?: string | null }): Promise<void> {
  const updated = await call(api.PATCH('/api/v1/banking/transactions/{transactionId}', { params: { path: { transactionId: transaction.id } }, body: change }));
  if (!updated) return;
  state.transactions = state.transactions.map((known) => (known.id === updated.id ? updated : known));
  render();
}

async function bulkCategorize(categoryId: string): Promise<void> {
  const ids = [...state.selected];
  if (ids.length === 0) return;
  const result = await call(api.POST('/api/v1/banking/transactions/bulk-categorize', { body: { transaction_ids: ids, category_id: categoryId || null } }));
  if (!result) return;
  notify('info', `Categorized ${result.updated} transaction${result.updated === 1 ? '' : 's'}`);
  await loadTransactions();
}

async function createCategory(name: string): Promise<void> {
  if (!name.trim()) return;
  const created = await call(api.POST('/api/v1/banking/categories', { body: { name } }));
  if (created) state.categories = [...state.categories, created];
  render();
}

async function renameCategory(category: Category): Promise<void> {
  const name = window.prompt('New name', category.name);
  if (!name || name === category.name) return;
  const renamed = await call(api.PATCH('/api/v1/banking/categories/{categoryId}', { params: { path: { categoryId: category.id } }, body: { name } }));
  if (renamed) state.categories = state.categories.map((known) => (known.id === renamed.id ? renamed : known));
  render();
}

async function deleteCategory(category: Category): Promise<void> {
  const deleted = await call(
    api.DELETE('/api/v1/banking/categories/{categoryId}', { params: { path: { categoryId: category.id }, query: { clear_overrides: 'true' } } }),
  );
  if (deleted) await reloadAll();
}

// ---- views ---------------------------------------------------------------------------------------------

const statusText: Record<Connection['status'], string> = {
  healthy: 'Healthy',
  syncing: 'Syncing',
  login_required: 'Login required',
  pending_expiration: 'Expiring soon',
  revoked: 'Revoked',
  new_accounts_available: 'New accounts',
  error: 'Error',
  mfa_required: 'Code required',
  user_action_required: 'Authorization required',
  consent_expired: 'Consent expired',
  institution_unavailable: 'Bank unavailable',
};

function button(label: string, onClick: () => unknown, attributes: Record<string, string> = {}): HTMLElement {
  return h('button', { type: 'button', ...attributes, onclick: () => void onClick() }, [label]);
}

function signInView(): HTMLElement {
  const input = h('input', { name: 'user_id', placeholder: 'e.g. alice', value: 'demo-user', autocomplete: 'username' }) as HTMLInputElement;
  return h('main', { class: 'sign-in' }, [
    h('form', { class: 'card sign-in-card', onsubmit: (event: Event) => (event.preventDefault(), void signIn(input.value.trim())) }, [
      h('h1', {}, ['Open-banking console']),
      h('p', { class: 'muted' }, ['Local development only: signs you in as any user id with a locally minted JWT.']),
      h('label', {}, ['User id', input]),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'sign-in' }, ['Sign in']),
    ]),
  ]);
}

/** Re-authentication in update mode (Plaid Link, Pluggy Connect), or a fresh link when access is gone. */
function openLink(connection?: Connection, provider = connection?.provider): Promise<void> {
  return provider === 'plaid' ? openPlaidLink(connection) : openPluggyConnect(connection);
}

const stepLabels: Partial<Record<NextStep['action'], string>> = {
  reauthenticate: 'Re-authenticate',
  renew_consent: 'Renew consent',
  review_new_accounts: 'Choose accounts',
  retry_sync: 'Retry sync',
  authorize_at_bank: 'Authorize at your bank',
  relink: 'Link again',
};

/**
 * The control that performs the connection's `next_step`: its API call (`path`) through the typed client,
 * with the flow that call starts (update mode for `…/credentials`, the code form for `…/mfa`), its link
 * (`url`), or a fresh link when the bank must be linked again.
 */
function nextStepControls(connection: Connection): Child[] {
  const step = connection.next_step;
  const prompt = state.mfaPrompts.get(connection.id);
  if (prompt || step?.action === 'answer_mfa') return [mfaForm(connection, prompt)];
  if (!step) return [];
  const label = stepLabels[step.action] ?? step.action.replace(/_/g, ' ');
  const attributes = { class: 'primary', 'data-testid': 'next-step', 'data-action': step.action };
  if (step.method === 'POST' && step.path?.endsWith('/credentials')) {
    // `reauth` names the update-mode button whatever the reason (login, consent renewal, new accounts).
    return [button(label, () => openLink(connection), { ...attributes, 'data-testid': 'reauth' })];
  }
  if (step.method === 'POST' && step.path?.endsWith('/sync')) return [button(label, () => syncNow(connection), attributes)];
  if (step.url && /^https?:\/\//i.test(step.url)) {
    return [h('a', { ...attributes, class: 'button primary', href: step.url, target: '_blank', rel: 'noopener noreferrer' }, [label])];
  }
  if (step.action === 'relink') return [button(label, () => openLink(undefined, connection.provider), attributes)];
  return [];
}

function mfaForm(connection: Connection, prompt: { name: string; label: string | null } | undefined): HTMLElement {
  const input = h('input', { name: 'mfa', placeholder: prompt?.label ?? 'Verification code' }) as HTMLInputElement;
  return h('form', { class: 'inline', onsubmit: (event: Event) => (event.preventDefault(), void submitMfa(connection, prompt?.name ?? 'token', input.value)) }, [
    input,
    h('button', { type: 'submit', class: 'primary' }, ['Send code']),
  ]);
}

function nextStepNotice(connection: Connection): Child {
  const step = connection.next_step;
  if (!step) return '';
  return h('p', { class: `small step ${step.action}`, 'data-testid': 'next-step-message' }, [
    step.message,
    step.due_by ? h('span', { class: 'due', 'data-testid': 'next-step-due' }, [` · due by ${dateOnly(step.due_by)}`]) : '',
  ]);
}

function connectionCard(connection: Connection): HTMLElement {
  const history = state.history.get(connection.id);
  const progress = state.progress.get(connection.id);
  const consent = state.consents.get(connection.id);
  return h('article', { class: 'card connection', 'data-testid': 'connection', 'data-provider': connection.provider, 'data-status': connection.status }, [
    h('header', {}, [
      h('div', {}, [
        h('strong', {}, [connection.institution.name]),
        h('span', { class: `badge ${connection.provider}` }, [connection.provider]),
        connection.institution.status === 'degraded'
          ? h('span', { class: 'badge degraded', 'data-testid': 'institution-degraded', title: 'The bank is known to be down' }, ['bank unavailable'])
          : '',
      ]),
      h('span', { class: `status ${connection.status}`, 'data-testid': 'connection-status' }, [statusText[connection.status]]),
    ]),
    h('p', { class: 'muted small' }, [
      `Last sync ${shortDate(connection.last_sync_at)} (${connection.last_sync_outcome ?? '-'}) · next ${shortDate(connection.next_sync_at)}`,
    ]),
    connection.status_reason ? h('p', { class: 'small warn' }, [connection.status_reason.message]) : '',
    nextStepNotice(connection),
    progress ? h('p', { class: 'small progress', 'data-testid': 'sync-progress' }, [progress]) : '',
    consent ? h('p', { class: 'small' }, [consent]) : '',
    h('div', { class: 'actions' }, [
      ...nextStepControls(connection),
      button('Sync now', () => syncNow(connection), { 'data-testid': 'sync-now' }),
      button(history ? 'Hide history' : 'History', () => showHistory(connection)),
      connection.provider === 'pluggy' ? button('Consent', () => showConsent(connection)) : '',
      button('Delete', () => deleteConnection(connection), { class: 'danger', 'data-testid': 'delete-connection' }),
    ]),
    history
      ? h('table', { class: 'history small' }, [
          h('tr', {}, ['Started', 'Trigger', 'Outcome', '+', '~', '−'].map((label) => h('th', {}, [label]))),
          ...history.map((run) =>
            h('tr', {}, [shortDate(run.started_at), run.trigger, run.outcome, String(run.counts.added), String(run.counts.modified), String(run.counts.removed)].map((cell) => h('td', {}, [cell]))),
          ),
        ])
      : '',
  ]);
}

function accountsView(): HTMLElement {
  return h('section', { class: 'card' }, [
    h('h2', {}, ['Accounts']),
    state.accounts.length === 0
      ? h('p', { class: 'muted' }, ['No accounts yet: link a bank.'])
      : h('table', { 'data-testid': 'accounts' }, [
          h('tr', {}, ['Account', 'Type', 'Current', 'Available'].map((label) => h('th', {}, [label]))),
          ...state.accounts.map((account) =>
            h('tr', {}, [
              h('td', {}, [account.name, account.mask ? h('span', { class: 'muted' }, [` ••${account.mask}`]) : '']),
              h('td', {}, [account.type.replace('_', ' ')]),
              h('td', { class: 'num' }, [money(account.balances.current, account.balances.currency)]),
              h('td', { class: 'num' }, [money(account.balances.available, account.balances.currency)]),
            ]),
          ),
        ]),
  ]);
}

function categoryOptions(selected: string | null, empty: string): HTMLElement[] {
  return [
    h('option', { value: '' }, [empty]),
    ...state.categories.map((category) => h('option', { value: category.id, ...(category.id === selected ? { selected: 'selected' } : {}) }, [category.name])),
  ];
}

function filtersView(): HTMLElement {
  const filters = state.filters;
  const set = (key: keyof typeof filters) => (event: Event) => {
    filters[key] = (event.target as HTMLInputElement).value;
    state.cursors = [null];
    state.page = 0;
    void loadTransactions();
  };
  return h('div', { class: 'filters' }, [
    h('select', { name: 'account_id', onchange: set('account_id') }, [
      h('option', { value: '' }, ['All accounts']),
      ...state.accounts.map((account) => h('option', { value: account.id, ...(account.id === filters.account_id ? { selected: 'selected' } : {}) }, [account.name])),
    ]),
    h('select', { name: 'pending', 'data-testid': 'filter-pending', onchange: set('pending') }, [
      ['', 'Pending and posted'],
      ['true', 'Pending only'],
      ['false', 'Posted only'],
    ].map(([value, label]) => h('option', { value: value!, ...(value === filters.pending ? { selected: 'selected' } : {}) }, [label!]))),
    h('select', { name: 'category_id', onchange: set('category_id') }, categoryOptions(filters.category_id || null, 'Any category')),
    h('input', { type: 'date', name: 'date_from', value: filters.date_from, onchange: set('date_from') }),
    h('input', { type: 'date', name: 'date_to', value: filters.date_to, onchange: set('date_to') }),
  ]);
}

function transactionsView(): HTMLElement {
  const bulk = h('select', { name: 'bulk_category', 'data-testid': 'bulk-category' }, categoryOptions(null, 'No category')) as HTMLSelectElement;
  return h('section', { class: 'card' }, [
    h('h2', {}, ['Transactions']),
    filtersView(),
    h('div', { class: 'bulk' }, [
      h('span', { class: 'muted small' }, [`${state.selected.size} selected`]),
      bulk,
      button('Categorize selected', () => bulkCategorize(bulk.value), { 'data-testid': 'bulk-apply' }),
    ]),
    state.transactions.length === 0
      ? h('p', { class: 'muted', 'data-testid': 'no-transactions' }, ['No transactions match.'])
      : h('table', { 'data-testid': 'transactions' }, [
          h('tr', {}, ['', 'Date', 'Description', 'Amount', 'Category', 'Note'].map((label) => h('th', {}, [label]))),
          ...state.transactions.map((transaction) => transactionRow(transaction)),
        ]),
    h('div', { class: 'pager' }, [
      button('← Previous', () => ((state.page -= 1), loadTransactions()), state.page === 0 ? { disabled: 'disabled' } : {}),
      h('span', { class: 'muted small' }, [`Page ${state.page + 1}`]),
      button('Next →', () => {
        state.cursors[state.page + 1] = state.nextCursor;
        state.page += 1;
        return loadTransactions();
      }, state.nextCursor ? { 'data-testid': 'next-page' } : { disabled: 'disabled' }),
    ]),
  ]);
}

function transactionRow(transaction: Transaction): HTMLElement {
  const checkbox = h('input', { type: 'checkbox', ...(state.selected.has(transaction.id) ? { checked: 'checked' } : {}) }) as HTMLInputElement;
  checkbox.onchange = () => {
    if (checkbox.checked) state.selected.add(transaction.id);
    else state.selected.delete(transaction.id);
    render();
  };
  const note = h('input', { class: 'note', name: 'note', value: transaction.note ?? '', placeholder: 'Add a note' }) as HTMLInputElement;
  note.onchange = () => void updateTransaction(transaction, { note: note.value.trim() || null });
  const category = h('select', { name: 'category', 'data-testid': 'transaction-category' }, categoryOptions(transaction.category_id, 'Uncategorized')) as HTMLSelectElement;
  category.onchange = () => void updateTransaction(transaction, { category_id: category.value || null });
  return h('tr', { 'data-testid': 'transaction', 'data-id': transaction.id, class: transaction.pending ? 'pending' : '' }, [
    h('td', {}, [checkbox]),
    h('td', { class: 'nowrap' }, [transaction.date]),
    h('td', {}, [transaction.merchant_name ?? transaction.description, transaction.pending ? h('span', { class: 'badge pending' }, ['pending']) : '']),
    h('td', { class: `num ${transaction.amount.startsWith('-') ? 'out' : 'in'}` }, [money(transaction.amount, transaction.currency)]),
    h('td', {}, [category]),
    h('td', {}, [note]),
  ]);
}

function categoriesView(): HTMLElement {
  const name = h('input', { name: 'category_name', placeholder: 'New category' }) as HTMLInputElement;
  const own = state.categories.filter((category) => category.editable);
  return h('section', { class: 'card' }, [
    h('h2', {}, ['My categories']),
    h('form', { class: 'inline', onsubmit: (event: Event) => (event.preventDefault(), void createCategory(name.value)) }, [
      name,
      h('button', { type: 'submit', 'data-testid': 'create-category' }, ['Add']),
    ]),
    h('ul', { class: 'categories' }, own.map((category) =>
      h('li', {}, [category.name, h('span', { class: 'actions' }, [button('Rename', () => renameCategory(category)), button('Delete', () => deleteCategory(category), { class: 'danger' })])]),
    )),
    h('p', { class: 'muted small' }, [`${state.categories.length - own.length} provider categories available.`]),
  ]);
}

const feedLabels: Record<FeedState, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', closed: 'closed' };

function eventsView(): HTMLElement {
  const feedState = state.feedState;
  return h('section', { class: 'card events', 'data-testid': 'events' }, [
    h('h2', {}, [
      'Events',
      h('span', { class: `feed ${feedState ?? 'off'}`, 'data-testid': 'events-feed', 'data-state': feedState ?? 'off' }, [
        feedState ? feedLabels[feedState] : 'not streamed',
      ]),
    ]),
    feedState === null
      ? h('p', { class: 'muted small' }, ['This gateway does not stream app events (start it with `npm run dev`).'])
      : state.events.length === 0
        ? h('p', { class: 'muted small' }, ['No events yet: link a bank or sync one.'])
        : h('ol', { class: 'event-list' }, state.events.map((event) =>
            h('li', { 'data-testid': 'event', 'data-type': event.type, 'data-id': event.id }, [
              h('div', {}, [h('code', {}, [event.type]), h('time', { class: 'muted small', datetime: event.timestamp }, [shortDate(event.timestamp)])]),
              h('div', { class: 'small' }, [eventSummary(event)]),
            ]),
          )),
  ]);
}

function mainView(): HTMLElement {
  return h('div', { class: 'layout' }, [
    h('aside', {}, [
      h('section', { class: 'card' }, [
        h('h2', {}, ['Connections']),
        h('div', { class: 'actions' }, [
          button('Link a US bank (Plaid)', () => openPlaidLink(), { class: 'primary', 'data-testid': 'link-plaid' }),
          button('Connect a Brazilian bank (Pluggy)', () => openPluggyConnect(), { class: 'primary', 'data-testid': 'link-pluggy' }),
        ]),
      ]),
      ...state.connections.map(connectionCard),
      eventsView(),
      categoriesView(),
    ]),
    h('main', {}, [accountsView(), transactionsView()]),
  ]);
}

function render(): void {
  const notice = state.notice ? h('div', { class: `notice ${state.notice.kind}`, 'data-testid': 'notice', role: 'status' }, [state.notice.text]) : '';
  root.replaceChildren(
    h('header', { class: 'topbar' }, [
      h('span', { class: 'brand' }, ['Open-banking console']),
      h('nav', {}, [
        h('a', { href: '/docs', target: '_blank' }, ['API reference']),
        state.userId ? h('span', { class: 'user', 'data-testid': 'user' }, [state.userId]) : '',
        state.userId ? button('Sign out', () => signOut()) : '',
      ]),
    ]),
    notice,
    state.userId ? mainView() : signInView(),
  );
}

const saved = sessionStorage.getItem(SESSION_KEY);
if (saved) {
  const session = JSON.parse(saved) as { userId: string; token: string };
  state.userId = session.userId;
  state.token = session.token;
  void startEventFeed().then(reloadAll);
} else {
  render();
}
