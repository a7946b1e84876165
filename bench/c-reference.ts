/**
 * The peers bench/wasm-vs-c.bench.ts compares against: the C references (bench/peers/tilerun-ref.c,
 * built here with gcc -O3 -march=native -fopenmp when a compiler exists) and OpenCV's per-tile
 * loop (bench/peers/opencv_peer.py, when python3 has cv2). Both read the bench's input from a raw file
 * and print the median seconds of their repeats.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface PeerRun {
  seconds: number;
  checksum?: number;
}

/** The repository root: the bench runs from dist/bench/. */
export function repositoryRoot(): string {
  let dir = new URL('.', import.meta.url).pathname;
  while (!existsSync(join(dir, 'package.json'))) dir = join(dir, '..');
  return dir;
}

function works(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Builds the C reference; returns its path, or why there is none. */
export function buildCReference(): { binary: string } | { missing: string } {
  const root = repositoryRoot();
  const compiler = ['gcc', 'cc'].find((name) => works(name, ['--version']));
  if (!compiler) return { missing: 'no C compiler (apt-get install gcc): C column skipped' };
  const outDir = join(root, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const binary = join(outDir, 'tilerun-ref');
  try {
    execFileSync(compiler, ['-O3', '-march=native', '-fopenmp', '-o', binary, join(root, 'bench', 'peers', 'tilerun-ref.c'), '-lm'], { stdio: 'pipe' });
  } catch (error) {
    return { missing: `${compiler} could not build bench/peers/tilerun-ref.c with OpenMP: ${String((error as { stderr?: Buffer }).stderr ?? error).slice(0, 200)}` };
  }
  return { binary };
}

/** The python3 that has OpenCV (Debian's python3-opencv lives in /usr/bin/python3), or why none. */
export function findOpenCv(): { python: string } | { missing: string } {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (works(python, ['-c', 'import cv2'])) return { python };
  }
  return { missing: 'OpenCV not installed (apt-get install python3-opencv): OpenCV column skipped' };
}

export function runPeer(command: string, args: string[], env: Record<string, string> = {}): PeerRun {
  const text = execFileSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 20 });
  return JSON.parse(text.trim().split('\n').pop()!) as PeerRun;
}
