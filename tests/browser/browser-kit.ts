/**
 * Chromium for the browser tests: Debian's `chromium` package driven by playwright-core (no browser
 * download). Without it the tests skip with a message saying how to get one.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((path): path is string => Boolean(path));

export const chromiumPath: string | undefined = CANDIDATES.find((path) => existsSync(path));

export const NO_CHROMIUM_MESSAGE =
  'browser tests skipped: no Chromium found (install Debian\'s `chromium` package, or set CHROMIUM_PATH); `bash .ci/run` installs it in CI';

export const screenshotDirectory = resolve(import.meta.dirname, '..', '..', '.local', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(screenshotDirectory, { recursive: true });
  return chromium.launch({ executablePath: chromiumPath!, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions the page produced so far. */
  readonly errors: string[];
  shot(name: string): Promise<void>;
}

export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    // A failed resource load says only its status; its location names the URL.
    if (message.type() === 'error') errors.push(`console: ${message.text()}${message.location().url ? ` (${message.location().url})` : ''}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  page.on('dialog', (dialog) => void dialog.accept());
  return {
    page,
    errors,
    shot: async (name) => {
      await page.screenshot({ path: resolve(screenshotDirectory, `${name}.png`), fullPage: false });
    },
  };
}
