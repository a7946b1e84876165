import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayFromElements } from '../../src/array/array-view.js';
import { temporaryDirectory, writeNpy } from '../support/fixtures.js';

/**
 * A batch killed part-way (Ctrl-C, or SIGKILL as a crash or power cut would) and run again with
 * --resume: what finished is skipped, nothing half-written is left or taken for a result, and the
 * final result set is byte for byte the one a clean run makes.
 */
const launcher = fileURLToPath(new URL('../../bin/tilerun.js', import.meta.url));
const dir = temporaryDirectory();
afterAll(() => dir.remove());

const FILES = 12;
// Slow enough per input (a 15x15 box on one thread, one input at a time) to be killed mid-batch.
const ARGS = ['run', 'convolve', 'in', '-p', 'preset=box', '-p', 'size=15', '-p', 'dtype=u8', '--devices', 'cpu', '--threads', '1', '--jobs', '1', '--json'];

function tilerun(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 240_000, cwd: dir.path });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Starts a batch, waits for `lines` finished inputs on stdout, sends `signal`; resolves with the exit. */
function killAfter(args: string[], lines: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, ...args], { cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ${lines} finished inputs within 120 s: ${stdout} ${stderr}`));
    }, 120_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!sent && stdout.split('\n').length > lines) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, exitSignal) => {
      clearTimeout(timer);
      resolve({ code, signal: exitSignal, stdout, stderr });
    });
  });
}

function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();
}

const results = (root: string) => listFiles(root).filter((name) => name.endsWith('.npy'));

function manifestEntries(out: string): number {
  return Object.keys((JSON.parse(readFileSync(join(out, '.tilerun-manifest.json'), 'utf8')) as { entries: object }).entries).length;
}

function statuses(stdout: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of stdout.trim().split('\n')) {
    const status = (JSON.parse(line) as { status: string }).status;
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

describe('--resume after a killed batch', () => {
  const reference = join(dir.path, 'reference');
  beforeAll(() => {
    mkdirSync(join(dir.path, 'in'));
    for (let i = 0; i < FILES; i++) {
      writeNpy(join(dir.path, 'in', `frame-${String(i).padStart(2, '0')}.npy`), arrayFromElements('u8', 256, 256, 1, Array.from({ length: 256 * 256 }, (_, k) => (k * (i + 3) + (k >> 7)) % 256)));
    }
    const clean = tilerun(...ARGS, '--out-dir', reference);
    expect(clean.code, clean.stderr).toBe(0);
    expect(results(reference)).toHaveLength(FILES);
  });

  const expectSameResults = (out: string) => {
    expect(results(out)).toEqual(results(reference));
    for (const name of results(reference)) expect(readFileSync(join(out, name)), name).toEqual(readFileSync(join(reference, name)));
    expect(listFiles(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  };

  it('Ctrl-C (SIGINT): exit 130, finished results and a summary kept, nothing half-written; --resume skips them and completes the set', async () => {
    const out = join(dir.path, 'out-sigint');
    const killed = await killAfter([...ARGS, '--out-dir', out, '--resume'], 3, 'SIGINT');
    expect(killed.code, killed.stderr).toBe(130);
    expect(killed.stderr).toContain('--resume');
    const finished = manifestEntries(out);
    expect(finished).toBeGreaterThanOrEqual(3);
    expect(finished).toBeLessThan(FILES);
    // Every result on disk is complete (equal to the clean run's) and recorded.
    expect(results(out)).toHaveLength(finished);
    for (const name of results(out)) expect(readFileSync(join(out, name))).toEqual(readFileSync(join(reference, name)));
    expect(listFiles(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { totals: { ok: number; notRun: number } };
    expect(summary.totals.ok + summary.totals.notRun).toBe(FILES);

    const resumed = tilerun(...ARGS, '--out-dir', out, '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(statuses(resumed.stdout)).toEqual({ skipped: finished, ok: FILES - finished });
    expectSameResults(out);
  });

  it('SIGKILL (a crash): --resume skips what the manifest records, removes stale temporaries and completes the set', async () => {
    const out = join(dir.path, 'out-sigkill');
    const killed = await killAfter([...ARGS, '--out-dir', out, '--resume'], 4, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const finished = manifestEntries(out);
    expect(finished).toBeGreaterThanOrEqual(4);
    expect(finished).toBeLessThan(FILES);
    // What an atomic write killed between its write and its rename leaves behind.
    writeFileSync(join(out, '.frame-11.npy.0123456789ab.tmp'), 'half a result');
    const resumed = tilerun(...ARGS, '--out-dir', out, '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(statuses(resumed.stdout)).toEqual({ skipped: finished, ok: FILES - finished });
    expectSameResults(out);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { totals: { ok: number; skipped: number } };
    expect(summary.totals).toMatchObject({ ok: FILES - finished, skipped: finished });
  });

  it('an input changed since, or an output deleted, runs again', () => {
    const out = join(dir.path, 'out-sigkill');
    expect(existsSync(join(out, 'frame-05.npy'))).toBe(true);
    spawnSync('rm', [join(out, 'frame-05.npy')]);
    writeNpy(join(dir.path, 'in', 'frame-07.npy'), arrayFromElements('u8', 256, 256, 1, Array.from({ length: 256 * 256 }, (_, k) => k % 7)));
    const resumed = tilerun(...ARGS, '--out-dir', out, '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    const ran = resumed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { input: string; status: string }).filter((row) => row.status === 'ok').map((row) => row.input);
    expect(ran.sort()).toEqual(['in/frame-05.npy', 'in/frame-07.npy']);
  });
});
