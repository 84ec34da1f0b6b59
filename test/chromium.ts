/**
 * Headless Debian Chromium for the browser tests, driven by playwright-core: at /usr/bin/chromium (`.ci/run`
 * installs it) or $MSAT_CHROMIUM; MSAT_SKIP_BROWSER=1 skips those tests on a machine without a browser.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env.MSAT_CHROMIUM ?? '/usr/bin/chromium';
// Without the networking flags Chromium's background connections are refused on machines without network access.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The `skip` option of a browser test of `what`. */
export function browserSkip(what: string): string | false {
  return process.env.MSAT_SKIP_BROWSER === '1' ? `MSAT_SKIP_BROWSER=1: browser test of ${what} skipped` : false;
}

/** Launches Chromium; fails (rather than skips) when it is missing and not skipped. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    assert.fail(`Chromium not found at ${CHROMIUM}: install it (Debian: apt-get install chromium) or set MSAT_SKIP_BROWSER=1 to skip this test`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}
