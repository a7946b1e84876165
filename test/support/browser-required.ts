import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { findBrowser } from '../../src/browser/chromium.js';

/**
 * Browser tests need a real Chromium (`bash scripts/setup.sh` installs Debian's). A missing one
 * fails them; only outside CI can TILERUN_SKIP_BROWSER=1 skip them, and then it says so.
 */
export const skipBrowser = process.env.TILERUN_SKIP_BROWSER === '1' && process.env.CI !== 'true';
if (skipBrowser) console.warn('TILERUN_SKIP_BROWSER=1: browser tests are SKIPPED (never allowed under CI=true)');

/** The browser the tests launch (throws a UsageError naming how to install one). */
export function testBrowser(): string {
  return findBrowser(process.env.TILERUN_TEST_BROWSER);
}

/**
 * Processes whose command line mentions `marker` (a temporary directory a test made): only the
 * browsers this test started, never those of other runs on the machine.
 */
export function processesMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(marker) && existsSync(`/proc/${entry}`)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}
