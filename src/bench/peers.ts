/**
 * The peers `tilerun bench` compares against, found on this machine: a C reference and a
 * STREAM-like bandwidth probe built with the system compiler, and numpy, dask and OpenCV scripts
 * run by python3. Their sources ship in the package (bench/peers/, see package.json "files"), so
 * an installed tilerun finds them next to its dist/. A missing compiler, interpreter or module is a
 * note in the report, never a failure.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheDir } from '../scheduler/model-store.js';

/** A peer script or program, and the kernels it has a version of. */
export interface PeerSpec {
  name: string;
  /** What the report says it is. */
  description: string;
  kernels: readonly string[];
}

export const PEERS: readonly PeerSpec[] = [
  { name: 'C', description: 'bench/peers/tilerun-ref.c, gcc -O3 -march=native -fopenmp, the same tiles and threads', kernels: ['tile-stats', 'histogram', 'convolve', 'downsample'] },
  { name: 'numpy', description: 'bench/peers/numpy_peer.py, a per-tile loop on one thread', kernels: ['tile-stats', 'histogram', 'downsample'] },
  { name: 'dask', description: 'bench/peers/dask_peer.py, one task per tile chunk on the threaded scheduler', kernels: ['tile-stats', 'histogram', 'downsample'] },
  { name: 'OpenCV', description: 'bench/peers/opencv_peer.py, one OpenCV call per tile and statistic', kernels: ['tile-stats', 'histogram', 'convolve', 'downsample'] },
];

/** A peer that can run: the command line before its common arguments. */
export interface ReadyPeer {
  spec: PeerSpec;
  command: string;
  args: string[];
}

export interface FoundPeers {
  ready: ReadyPeer[];
  /** The bandwidth probe, when it built. */
  stream: string | null;
  /** Why a peer is missing ("numpy: python3 has no module numpy (apt-get install python3-numpy)"). */
  notes: string[];
}

/** Every wait on a peer has a limit: a build, a module probe or one peer run. */
const BUILD_TIMEOUT_MS = 120_000;
const PROBE_TIMEOUT_MS = 30_000;
export const PEER_RUN_TIMEOUT_MS = 600_000;

/** bench/peers/ of this installation (the package root is the nearest folder with tilerun's package.json). */
export function peersDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tilerun') return join(dir, 'bench', 'peers');
    const parent = dirname(dir);
    if (parent === dir) throw new Error('tilerun bench: cannot find the tilerun package root (bench/peers/) above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

function run(command: string, args: string[], timeout: number, env: Record<string, string> = {}): Promise<{ ok: true; stdout: string } | { ok: false; message: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: 'utf8', timeout, maxBuffer: 1 << 20, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'not found' : error.killed ? `timed out after ${timeout / 1000} s` : (stderr.trim().split('\n').slice(-2).join(' ') || error.message);
        resolve({ ok: false, message: why.slice(0, 300) });
      } else resolve({ ok: true, stdout });
    });
  });
}

/**
 * Builds a C file of bench/peers/ into the cache directory, once per source and compiler (the
 * installed package may be read-only): the binary's path, or why it did not build.
 */
async function buildC(compiler: string, source: string): Promise<{ binary: string } | { missing: string }> {
  const text = readFileSync(join(peersDirectory(), source));
  const hash = createHash('sha256').update(compiler).update(text).digest('hex').slice(0, 12);
  const dir = join(defaultCacheDir(), 'bench');
  const binary = join(dir, `${source.replace(/\.c$/, '')}-${hash}`);
  if (existsSync(binary)) return { binary };
  mkdirSync(dir, { recursive: true });
  // Built under a temporary name and renamed: two benches at once never run a half-written binary.
  const temporary = `${binary}.${process.pid}.tmp`;
  const built = await run(compiler, ['-O3', '-march=native', '-fopenmp', '-o', temporary, join(peersDirectory(), source), '-lm'], BUILD_TIMEOUT_MS);
  if (!built.ok) return { missing: `${compiler} could not build bench/peers/${source} with OpenMP: ${built.message}` };
  renameSync(temporary, binary);
  return { binary };
}

const PYTHON_PACKAGES: Record<string, { module: string; debian: string; script: string }> = {
  numpy: { module: 'numpy', debian: 'python3-numpy', script: 'numpy_peer.py' },
  dask: { module: 'dask.array', debian: 'python3-dask', script: 'dask_peer.py' },
  OpenCV: { module: 'cv2', debian: 'python3-opencv', script: 'opencv_peer.py' },
};

/**
 * Finds the peers for the chosen kernels. The compiler is $CC, else gcc, else cc; python is
 * $TILERUN_PYTHON, else python3 on PATH or /usr/bin/python3.
 */
export async function findPeers(kernels: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<FoundPeers> {
  const notes: string[] = [];
  const ready: ReadyPeer[] = [];
  const wanted = PEERS.filter((peer) => peer.kernels.some((kernel) => kernels.includes(kernel)));

  let compiler: string | null = null;
  for (const candidate of [env.CC, 'gcc', 'cc'].filter((name): name is string => Boolean(name))) {
    if ((await run(candidate, ['--version'], PROBE_TIMEOUT_MS)).ok) {
      compiler = candidate;
      break;
    }
  }
  let stream: string | null = null;
  if (compiler === null) {
    notes.push('C: no C compiler on PATH (apt-get install gcc): the C reference and the C bandwidth measure are skipped');
  } else {
    const streamBuild = await buildC(compiler, 'stream.c');
    if ('binary' in streamBuild) stream = streamBuild.binary;
    else notes.push(`C bandwidth: ${streamBuild.missing}`);
    if (wanted.some((peer) => peer.name === 'C')) {
      const reference = await buildC(compiler, 'tilerun-ref.c');
      if ('binary' in reference) ready.push({ spec: PEERS[0]!, command: reference.binary, args: [] });
      else notes.push(`C: ${reference.missing}`);
    }
  }

  // Debian's python3-numpy, -dask and -opencv live in /usr/bin/python3's path, which a python3
  // first on PATH (pyenv, a virtualenv) does not see: each peer takes the first that imports it.
  const pythons = env.TILERUN_PYTHON ? [env.TILERUN_PYTHON] : ['python3', '/usr/bin/python3'];
  const pythonPeers = wanted.filter((peer) => peer.name in PYTHON_PACKAGES);
  const runnable: string[] = [];
  const absent: string[] = [];
  if (pythonPeers.length > 0) {
    for (const python of pythons) {
      const version = await run(python, ['--version'], PROBE_TIMEOUT_MS);
      if (version.ok) runnable.push(python);
      else absent.push(`${python}: ${version.message}`);
    }
  }
  for (const peer of pythonPeers) {
    const { module, debian, script } = PYTHON_PACKAGES[peer.name]!;
    let found: string | null = null;
    for (const python of runnable) {
      if ((await run(python, ['-c', `import ${module}`], PROBE_TIMEOUT_MS)).ok) {
        found = python;
        break;
      }
    }
    if (found !== null) ready.push({ spec: peer, command: found, args: [join(peersDirectory(), script)] });
    else if (runnable.length === 0) notes.push(`${peer.name}: no python (${absent.join('; ')}): skipped`);
    else notes.push(`${peer.name}: ${runnable.join(' and ')} cannot import ${module} (apt-get install ${debian}): skipped`);
  }
  return { ready, stream, notes };
}

/** What a peer prints: seconds of its fastest and median repeats, and a checksum where it has one. */
export interface PeerOutput {
  seconds: number;
  median: number;
  checksum?: number;
}

/** Runs a peer; an error is returned as text (the report shows it), never thrown. */
export async function runPeer(peer: ReadyPeer, common: string[]): Promise<PeerOutput | { error: string }> {
  const result = await run(peer.command, [...peer.args, ...common], PEER_RUN_TIMEOUT_MS, peer.spec.name === 'C' ? { FRESH_OUTPUT: '1' } : {});
  if (!result.ok) return { error: result.message };
  try {
    const parsed = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as PeerOutput;
    if (typeof parsed.median !== 'number' || !(parsed.median > 0)) return { error: `printed no median time: ${result.stdout.slice(0, 200)}` };
    return parsed;
  } catch {
    return { error: `printed no JSON: ${result.stdout.slice(0, 200)}` };
  }
}

/** The C bandwidth probe's figures (GB/s), or why there are none. */
export async function runStream(binary: string, mebibytes: number, threads: number, repeats: number): Promise<{ copy: number; read: number } | { error: string }> {
  const result = await run(binary, [String(mebibytes), String(threads), String(repeats)], PEER_RUN_TIMEOUT_MS);
  if (!result.ok) return { error: result.message };
  try {
    return JSON.parse(result.stdout) as { copy: number; read: number };
  } catch {
    return { error: `printed no JSON: ${result.stdout.slice(0, 200)}` };
  }
}
