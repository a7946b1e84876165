/**
 * Nothing outlives a browser run: after success, failure (the browser killed), Ctrl-C (SIGINT)
 * and SIGTERM, no browser process and no profile directory is left. The CLI runs as a child
 * process with its own TMPDIR, so the test sees only the browsers and profiles it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateArray, elementsOf } from '../../src/array/array-view.js';
import { encodeNpy } from '../../src/io/npy.js';
import { processesMentioning, skipBrowser, testBrowser } from '../support/browser-required.js';

const BIN = fileURLToPath(new URL('../../bin/tilerun.js', import.meta.url));
let root: string;
let input: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tilerun-cleanup-test-'));
  const view = allocateArray('u8', 3000, 3000, 1);
  const elements = elementsOf(view);
  for (let i = 0; i < elements.length; i++) elements[i] = (i * 2654435761) >>> 24;
  input = join(root, 'input.npy');
  writeFileSync(input, encodeNpy(view));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the CLI with a TMPDIR of its own; `during` acts on it once its browser is up. */
async function runCli(name: string, args: string[], during?: (child: ChildProcess, tmp: string) => void): Promise<{ outcome: Outcome; tmp: string }> {
  const tmp = join(root, name);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const child = spawn(process.execPath, [BIN, ...args, '--browser', testBrowser()], {
    env: { ...process.env, TMPDIR: tmp, TILERUN_BROWSER_TIMEOUT_S: '60', XDG_CACHE_HOME: join(tmp, 'cache') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Outcome>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  if (during) {
    const deadline = Date.now() + 60_000;
    // Wait for the browser's processes (their command lines name the profile under TMPDIR).
    while (processesMentioning(tmp).length === 0 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(processesMentioning(tmp).length, 'the browser never started').toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1500));
    during(child, tmp);
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const outcome = await exited;
  clearTimeout(timer);
  return { outcome: { ...outcome, stderr }, tmp };
}

/** Leftovers of this child: browser processes naming its TMPDIR and profile directories in it. */
async function leftovers(tmp: string): Promise<{ processes: number[]; profiles: string[] }> {
  // Chromium's helpers exit a moment after their parent: give them a second to go.
  const deadline = Date.now() + 5000;
  while (processesMentioning(tmp).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return { processes: processesMentioning(tmp), profiles: readdirSync(tmp).filter((name) => name.startsWith('tilerun-chromium-')) };
}

describe.skipIf(skipBrowser)('browser cleanup', () => {
  it('after success', async () => {
    const { outcome, tmp } = await runCli('success', ['stats', input, '--runtime', 'browser', '--json', '--tile', '512']);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(await leftovers(tmp)).toEqual({ processes: [], profiles: [] });
  }, 150_000);

  it('after a failure (the browser killed while it starts or runs): exit 3 with the reason', async () => {
    const { outcome, tmp } = await runCli('failure', ['stats', input, '--runtime', 'browser', '--json', '--tile', '128'], (_child, dir) => {
      // The browser's main process: the one without a --type= (renderer, gpu, utility) flag.
      for (const pid of processesMentioning(dir)) {
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=')) process.kill(pid, 'SIGKILL');
      }
    });
    expect(outcome.code, outcome.stderr).toBe(3);
    expect(outcome.stderr).toMatch(/Chromium exited or crashed|the browser is gone|Failed to launch the browser process/);
    expect(await leftovers(tmp)).toEqual({ processes: [], profiles: [] });
  }, 150_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`after ${signal}`, async () => {
      const { outcome, tmp } = await runCli(signal, ['stats', input, '--runtime', 'browser', '--json', '--tile', '64'], (child) => child.kill(signal));
      expect(outcome.signal, outcome.stderr).toBe(signal);
      expect(await leftovers(tmp)).toEqual({ processes: [], profiles: [] });
    }, 150_000);
  }
});
