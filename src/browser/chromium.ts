import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { UsageError } from '../errors.js';

/** Names tried on PATH when no --browser is given (after /usr/bin/chromium). */
const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

export const BROWSER_INSTALL_HINT = 'install one (Debian: `apt-get install --no-install-recommends chromium`, or `bash scripts/setup.sh`) or give --browser <path>';

/**
 * PLATFORM.md: these give WebGPU (SwiftShader) and WebGL2 on a machine without a GPU. Flags that
 * choose a GL or ANGLE backend break one or the other, so none is given.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The browser to launch: the one given, else /usr/bin/chromium, else a chromium or chrome on PATH. */
export function findBrowser(given?: string): string {
  if (given !== undefined) {
    if (!executable(given)) throw new UsageError(`--browser ${given}: no executable file there; give the path of a Chromium or Chrome binary, or ${BROWSER_INSTALL_HINT}`);
    return given;
  }
  const candidates = ['/usr/bin/chromium'];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of BROWSER_NAMES) candidates.push(join(dir, name));
  }
  const found = candidates.find(executable);
  if (!found) throw new UsageError(`--runtime browser needs Chromium or Chrome, and none was found (looked for /usr/bin/chromium and ${BROWSER_NAMES.join(', ')} on PATH): ${BROWSER_INSTALL_HINT}`);
  return found;
}

/** A temporary profile of our own: puppeteer leaves its own behind on a signal (PLATFORM.md). */
export function makeProfileDir(): string {
  return mkdtempSync(join(tmpdir(), 'tilerun-chromium-'));
}

/**
 * Ends the browser and every process it started, at once and synchronously (usable in an exit
 * handler): puppeteer starts Chromium detached, as the leader of its own process group.
 */
export function killBrowserTree(browser: Browser | null): void {
  const pid = browser?.process()?.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Ends every process whose command line names our profile directory: the browser before
 * puppeteer has handed us its handle (a signal during launch), and any helper that left the
 * process group. Linux only (/proc); elsewhere the group kill above is all there is.
 */
export function killProcessesUsing(profileDir: string): void {
  const killed = processesUsing(profileDir);
  for (const pid of killed) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  // A killed process may still be finishing a write into the profile: wait (synchronously, this
  // also runs in exit handlers) until none is alive, so the profile is removed after the last write.
  const deadline = Date.now() + 3000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (processesUsing(profileDir).length > 0 && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
}

/** Live (not zombie) processes whose command line names the directory. */
function processesUsing(dir: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) continue;
      // A zombie has exited; its parent (maybe this process, whose event loop is not running) reaps it later.
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
      if (state !== 'Z' && state !== 'X') pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

export function removeProfileDir(dir: string): void {
  // Chromium's children may still be closing files for a moment after the kill: retry.
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
}
