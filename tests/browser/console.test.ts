/**
 * The demo console and the API reference in a real Chromium, against the whole offline stack: the console
 * links banks through the sandboxes' Plaid Link and Pluggy Connect stand-ins exactly as it would through
 * the real scripts. Screenshots of every step land in .local/screenshots/ (CI keeps them as artifacts).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { chromiumPath, launchChromium, NO_CHROMIUM_MESSAGE, watchedPage, type WatchedPage } from './browser-kit';

if (!chromiumPath) console.warn(NO_CHROMIUM_MESSAGE);

describe.skipIf(!chromiumPath)('console and API reference in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;
  let view: WatchedPage;
  const user = 'console-walker';

  beforeAll(async () => {
    stack = await startLocalStack({ site: true });
    browser = await launchChromium();
    view = await watchedPage(browser);
  });

  afterAll(async () => {
    if (view?.errors.length) console.error(`page errors:\n${view.errors.join('\n')}`);
    await browser?.close();
    await stack?.stop();
  });

  it('serves /docs and / with no console errors', async () => {
    const { page } = view;
    await page.goto(`${stack.gatewayUrl}/docs`);
    await page.getByText('Open-banking API').first().waitFor();
    await page.getByText('/api/v1/banking/accounts').first().waitFor();
    await view.shot('00-api-reference');

    await page.goto(`${stack.gatewayUrl}/`);
    await page.getByTestId('sign-in').waitFor();
    await view.shot('01-sign-in');
    expect(view.errors).toEqual([]);
  });

  it('signs in, links a Plaid bank, shows its transactions, categorizes one, links Pluggy with MFA, deletes a connection', async () => {
    const { page } = view;
    await page.goto(`${stack.gatewayUrl}/`);
    await page.locator('input[name=user_id]').fill(user);
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByTestId('user').textContent()).toBe(user);
    // The Events panel follows the user's stream before anything happens, so no event of the walk is missed.
    await page.locator('[data-testid=events-feed][data-state=live]').waitFor();

    // Plaid Link: institution, credentials (a small sandbox history), account selection.
    await page.getByTestId('link-plaid').click();
    await page.locator('[data-institution=ins_109508]').click();
    await page.locator('.pll-modal input[name=username]').fill('user_large_history');
    await page.locator('.pll-modal input[name=password]').fill('txn_count_40');
    await view.shot('02-plaid-link-credentials');
    await page.locator('.pll-modal button[type=submit]').click();
    await page.getByText('Select accounts').waitFor();
    await view.shot('03-plaid-link-accounts');
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.locator('[data-testid=connection][data-provider=plaid]').waitFor();
    await page.getByTestId('transaction').first().waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('transaction').count()).toBe(25);
    // The sync the link started is announced as it completes, with the bank and what it stored.
    const syncEvent = page.locator('[data-testid=events] [data-testid=event][data-type="sync.completed"]');
    await syncEvent.first().waitFor({ timeout: 60_000 });
    const plaidConnection = (await stack.api(user, 'GET', '/banking/connections')).body[0] as { institution: { name: string } };
    expect(await syncEvent.first().textContent()).toContain(`${plaidConnection.institution.name}: sync succeeded`);
    await view.shot('04-transactions');

    // A category of the user's own, set on one transaction.
    await page.locator('input[name=category_name]').fill('Coffee');
    await page.getByTestId('create-category').click();
    await page.locator('.categories li', { hasText: 'Coffee' }).waitFor();
    const row = page.getByTestId('transaction').first();
    const transactionId = (await row.getAttribute('data-id'))!;
    await row.getByTestId('transaction-category').selectOption({ label: 'Coffee' });
    const categorized = await eventually('the category is stored', async () => {
      const stored = await stack.api(user, 'GET', `/banking/transactions/${transactionId}`);
      return stored.body.user_category_id ? stored.body : undefined;
    });
    const categories = await stack.api(user, 'GET', '/banking/categories');
    expect(categories.body.find((category: { id: string }) => category.id === categorized.user_category_id).name).toBe('Coffee');
    await view.shot('05-categorized');

    // Pluggy Connect with the MFA connector: the widget asks for the code.
    await page.getByTestId('link-pluggy').click();
    await page.locator('[data-connector="1"]').click();
    await page.locator('.plc-modal button[type=submit]').click();
    await page.locator('.plc-modal input[name=token]').waitFor({ timeout: 30_000 });
    await view.shot('06-pluggy-mfa');
    await page.locator('.plc-modal input[name=token]').fill('123456');
    await page.locator('.plc-modal button[type=submit]').click();
    await page.locator('[data-testid=connection][data-provider=pluggy]').waitFor({ timeout: 60_000 });
    await view.shot('07-pluggy-connected');
    const connections = await stack.api(user, 'GET', '/banking/connections');
    expect(connections.body.map((connection: { provider: string }) => connection.provider).sort()).toEqual(['plaid', 'pluggy']);

    // Delete the Pluggy connection from its card.
    await page.locator('[data-testid=connection][data-provider=pluggy]').getByTestId('delete-connection').click();
    await page.locator('[data-testid=connection][data-provider=pluggy]').waitFor({ state: 'detached' });
    const remaining = await stack.api(user, 'GET', '/banking/connections');
    expect(remaining.body.map((connection: { provider: string }) => connection.provider)).toEqual(['plaid']);
    await view.shot('08-connection-deleted');
    expect(view.errors).toEqual([]);
  });

  it('re-authenticates a Plaid connection in Link update mode', async () => {
    const { page } = view;
    const [plaid] = (await stack.api(user, 'GET', '/banking/connections')).body as { id: string; status: string }[];
    const exchange = stack.plaid.recorder.list({ path: '/item/public_token/exchange', kind: 'provider' }).at(-1);
    const accessToken = (exchange?.responseBody as { access_token: string }).access_token;
    const reset = await fetch(`${stack.plaid.url}/sandbox/item/reset_login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: stack.plaid.credentials.clientId, secret: stack.plaid.credentials.secret, access_token: accessToken }),
    });
    expect(reset.status).toBe(200);
    await eventually('the connection needs a login', async () => {
      const connection = await stack.api(user, 'GET', `/banking/connections/${plaid!.id}`);
      return connection.body.status === 'login_required' ? connection.body : undefined;
    });

    await page.reload();
    const card = page.locator('[data-testid=connection][data-provider=plaid]');
    await card.getByTestId('reauth').waitFor();
    // The API's next step, as the card shows it: its message, and the button that starts update mode.
    expect(await card.getByTestId('next-step-message').textContent()).toBe('Sign in to the bank again to resume syncing');
    expect(await card.getByTestId('reauth').getAttribute('data-action')).toBe('reauthenticate');
    await view.shot('09-login-required');
    await card.getByTestId('reauth').click();
    await page.getByText('Your login needs to be updated').waitFor();
    await view.shot('10-plaid-update-mode');
    await page.locator('.pll-modal button[type=submit]').click();
    await page.locator('[data-testid=connection][data-provider=plaid][data-status=healthy]').waitFor({ timeout: 60_000 });
    await view.shot('11-reauthenticated');
    expect(view.errors).toEqual([]);
  });
});
