/**
 * The CPU pool's WebAssembly SIMD kernels against the plain-TypeScript kernels, against C
 * (bench/peers/tilerun-ref.c: gcc -O3 -march=native, OpenMP, the same threads) and OpenCV's
 * per-tile loop, on the same input: GB/s of input, the fastest of the repeats after a warm-up.
 *
 *   npm run bench:wasm
 *   npm run bench:wasm -- --size 8192 --cases tile-stats-u8,convolve-9x9-u8 --repeats 7 --json
 *
 * Pools run tilerun's run() end to end (scheduling, partials, a fresh output array for maps);
 * C runs the same tiles (a fresh zeroed output per run for maps as well: "C" column; "C reused"
 * keeps one output, which shows what first-touch page faults cost on this machine). "WASM 1T" and
 * "C 1T" are the kernels alone on one thread (every tile in one batch, output reused): the
 * code-for-code comparison without the pool's scheduling. "copy" is what copying the rows into a
 * module's own memory costs, as a share of the WASM 1T time (tile-stats and histogram read arrays
 * of 4 MiB and more in place in Node, kernels/wasm/in-place.ts: for them it is the cost avoided;
 * TILERUN_WASM_ARRAYS=0 makes them copy).
 * "split" is the pool's threads without run(): one equal share of the tiles per thread, one batch
 * each, no scheduling or stitching ("split/C" against C), so "WASM pool" / "split" is what run()
 * costs on top of the threads.
 * "WASM/C" divides the two fastest runs; "paired" is the median, over the repeats, of the ratio of a
 * WASM pool run to the C run made right after it: on a shared machine whose speed drifts (one
 * 4096² u8 case here went from 3.8 to 2.2 GB/s in a minute), runs side by side see the same
 * machine, where two bests may come from different minutes.
 * Figures from a shared 2-core machine are orders of magnitude: compare ratios within one run.
 */
import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getKernel } from '../kernels/index.js';
import { parseParams } from '../kernels/params.js';
import { setCpuImpl } from '../kernels/wasm/choice.js';
import { wasmKernels } from '../kernels/wasm/module.js';
import { forEachStagedChunk, tileBands } from '../kernels/wasm/bands.js';
import { weightsOf, type ConvolveParams } from '../kernels/convolve/params.js';
import { allocateArray, elementsOf, type ArrayView } from '../src/array/array-view.js';
import { DTYPE_INFO, type DType } from '../src/array/dtype.js';
import { openCpuPoolWith } from '../src/devices/cpu-pool-impl.js';
import { batchJob, type Device } from '../src/devices/device.js';
import { runKernel, type RunResult } from '../src/run.js';
import { makeTileGrid, tileRange } from '../src/tiling/tile-grid.js';
import { checksumOf } from '../src/bench/cases.js';
import { buildCReference, findOpenCv, repositoryRoot, runPeer, type PeerRun } from './c-reference.js';

interface Case {
  id: string;
  kernel: string;
  dtype: DType;
  params: string[];
}

const CASES: Case[] = [
  { id: 'tile-stats-u8', kernel: 'tile-stats', dtype: 'u8', params: [] },
  { id: 'tile-stats-u16', kernel: 'tile-stats', dtype: 'u16', params: [] },
  { id: 'tile-stats-f32', kernel: 'tile-stats', dtype: 'f32', params: [] },
  { id: 'histogram-u8', kernel: 'histogram', dtype: 'u8', params: [] },
  { id: 'histogram-u16', kernel: 'histogram', dtype: 'u16', params: [] },
  { id: 'histogram-f32', kernel: 'histogram', dtype: 'f32', params: [] },
  { id: 'convolve-3x3-u8', kernel: 'convolve', dtype: 'u8', params: ['preset=gaussian', 'size=3'] },
  { id: 'convolve-9x9-u8', kernel: 'convolve', dtype: 'u8', params: ['preset=gaussian', 'size=9'] },
  { id: 'convolve-3x3-f32', kernel: 'convolve', dtype: 'f32', params: ['preset=gaussian', 'size=3'] },
  { id: 'downsample-u8', kernel: 'downsample', dtype: 'u8', params: ['factor=2', 'reduce=mean'] },
  { id: 'downsample-u16', kernel: 'downsample', dtype: 'u16', params: ['factor=2', 'reduce=mean'] },
  { id: 'downsample-f32', kernel: 'downsample', dtype: 'f32', params: ['factor=2', 'reduce=mean'] },
];

const { values: flags } = parseArgs({
  options: {
    size: { type: 'string', default: '4096' },
    tile: { type: 'string', default: '512' },
    repeats: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(availableParallelism()) },
    cases: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const size = Number(flags.size);
const tile = Number(flags.tile);
const repeats = Number(flags.repeats);
const threads = Number(flags.threads);
const log = (text: string): void => {
  if (!flags.json) console.error(text);
};

/** The input of kernels.bench.ts: pseudo-random over the dtype's range (f32: 0 .. 65536). */
function sampleImage(dtype: DType): ArrayView {
  const view = allocateArray(dtype, size, size, 1);
  const data = elementsOf(view);
  let seed = 12345;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = dtype === 'f32' ? (seed >>> 8) / 65536 : (seed >>> 16) % (DTYPE_INFO[dtype].max + 1);
  }
  return view;
}

/**
 * The fastest of the repeats after a warm-up (on a shared machine the least disturbed run is the
 * best estimate of what the code can do; C and OpenCV report the same); a run slower than 2 s
 * (plain JS on a 9x9 stencil) is timed once.
 */
async function timeBest(run: () => unknown): Promise<number> {
  const warmStart = performance.now();
  await run();
  const times: number[] = [];
  const runs = performance.now() - warmStart > 2000 ? 1 : repeats;
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    await run();
    times.push((performance.now() - start) / 1000);
  }
  return Math.min(...times);
}

/**
 * The WASM pool and C in turns, `repeats` rounds: each round makes one pool run untimed and times
 * the next, then runs C (a process that makes one warm-up run of its own and times one), so both
 * are timed warm. (A pool run straight after the C process was 3-4x slower at 2048²: idle worker
 * threads, and on this VM idle cores, take time to wake.) Gives both sides' fastest runs and the
 * median of the per-round ratios of their speeds.
 */
async function pairedRuns(pool: () => Promise<unknown>, c: (() => number) | null): Promise<{ pool: number; c: number | null; ratio: number | null }> {
  const poolSeconds: number[] = [];
  const cSeconds: number[] = [];
  for (let r = 0; r < repeats; r++) {
    await pool();
    const start = performance.now();
    await pool();
    poolSeconds.push((performance.now() - start) / 1000);
    if (c) cSeconds.push(c());
  }
  const ratios = poolSeconds.map((seconds, r) => cSeconds[r]! / seconds).sort((a, b) => a - b);
  const middle = ratios.length >> 1;
  const median = ratios.length % 2 === 1 ? ratios[middle]! : (ratios[middle - 1]! + ratios[middle]!) / 2;
  return { pool: Math.min(...poolSeconds), c: c ? Math.min(...cSeconds) : null, ratio: c ? median : null };
}

/** Arguments after the common ones, for the C reference and the OpenCV script. */
function peerArgs(testCase: Case, params: unknown): string[] {
  if (testCase.kernel === 'tile-stats' || testCase.kernel === 'histogram') {
    const p = params as { bins: number; range: { lo: number; hi: number } };
    return [String(p.bins), String(p.range.lo), String(p.range.hi)];
  }
  if (testCase.kernel === 'convolve') {
    const weights = weightsOf(params as ConvolveParams);
    return [String(weights.rows), weights.values.map((w) => w.toPrecision(9)).join(',')];
  }
  return [];
}

/**
 * The WASM kernel alone on this thread over every tile in one batch (output reused): GB/s, and
 * the share of that time spent staging rows into the module's memory (the rows copied once;
 * convolve re-stages a halo per strip besides).
 */
function singleThread(view: ArrayView, testCase: Case, params: unknown): { gigabytesPerSecond: number; copyShare: number } {
  const kernels = wasmKernels()!;
  const kernel = getKernel(testCase.kernel);
  const grid = makeTileGrid(size, size, tile, tile, kernel.halo(view, params));
  const tiles = tileRange(grid, 0, grid.count);
  setCpuImpl('wasm');
  const out = kernel.kind === 'map' ? (() => {
    const shape = kernel.output(view, params);
    return allocateArray(shape.dtype, shape.height, shape.width, shape.channels);
  })() : null;
  const compute = (): void => {
    if (kernel.kind === 'reduction') kernel.cpu(view, tiles, params);
    else kernel.cpu(view, tiles, params, out!);
  };
  const stageOnly = (): void => {
    kernels.arena.reset();
    for (const band of tileBands(tiles)) forEachStagedChunk(kernels, view, band, () => {});
  };
  const best = (run: () => void): number => {
    run();
    let fastest = Infinity;
    for (let r = 0; r < repeats; r++) {
      const start = performance.now();
      run();
      fastest = Math.min(fastest, performance.now() - start);
    }
    return fastest;
  };
  const computeMs = best(compute);
  const share = best(stageOnly) / computeMs;
  setCpuImpl(null);
  return { gigabytesPerSecond: elementsOf(view).byteLength / computeMs / 1e6, copyShare: share };
}

/**
 * The pool's threads without the scheduler: the tiles cut into one equal share per thread, each
 * share one batch (device.run), no models, no stitch (a fresh output per run for maps, as run()
 * makes). Against "WASM pool" it shows what run() itself costs; against C, the pool's threads.
 */
async function poolSplit(pool: Device, view: ArrayView, testCase: Case, params: unknown): Promise<number> {
  const kernel = getKernel(testCase.kernel);
  const halo = kernel.halo(view, params);
  const grid = makeTileGrid(size, size, tile, tile, halo);
  const tiles = tileRange(grid, 0, grid.count);
  const shares = Array.from({ length: pool.concurrency }, (_, i) =>
    tiles.slice(Math.floor((i * tiles.length) / pool.concurrency), Math.floor(((i + 1) * tiles.length) / pool.concurrency)),
  ).filter((share) => share.length > 0);
  const shape = kernel.kind === 'map' ? kernel.output(view, params) : null;
  const seconds = await timeBest(async () => {
    const job = batchJob(kernel, view, params, halo, shape ? allocateArray(shape.dtype, shape.height, shape.width, shape.channels) : undefined);
    await Promise.all(shares.map((share) => pool.run(job, share)));
  });
  return elementsOf(view).byteLength / seconds / 1e9;
}

interface Row {
  case: string;
  wasm: number;
  js: number;
  c: number | null;
  cReused: number | null;
  /** Median over rounds of WASM pool speed / C speed, each round's runs side by side. */
  pairedRatio: number | null;
  opencv: number | null;
  /** The pool's threads given equal shares in one batch each, without run(): GB/s. */
  wasmSplit: number;
  wasmOneThread: number;
  cOneThread: number | null;
  copyShare: number;
  check: string;
}

async function main(): Promise<void> {
  const chosen = flags.cases ? CASES.filter((c) => flags.cases!.split(',').includes(c.id)) : CASES;
  const c = buildCReference();
  const opencv = findOpenCv();
  log(`wasm-vs-c bench: ${size}x${size}, ${tile}x${tile} tiles, ${threads} threads, best of ${repeats}`);
  log('binary' in c ? `  C: gcc -O3 -march=native -fopenmp, ${threads} threads` : `  ${c.missing}`);
  log('python' in opencv ? `  OpenCV: ${opencv.python} (per-tile loop)` : `  ${opencv.missing}`);
  if (!wasmKernels()) throw new Error('the WebAssembly kernels did not load: npm run build (needs clang and lld)');
  const wasmPool = openCpuPoolWith('wasm', { threads });
  const jsPool = openCpuPoolWith('js', { threads });
  const rows: Row[] = [];
  const inputs = new Map<DType, { view: ArrayView; file: string }>();
  for (const testCase of chosen) {
    let input = inputs.get(testCase.dtype);
    if (!input) {
      const view = sampleImage(testCase.dtype);
      const file = join(repositoryRoot(), 'bench', 'out', `input-${testCase.dtype}-${size}.raw`);
      writeFileSync(file, new Uint8Array(view.buffer, view.byteOffset, size * size * DTYPE_INFO[testCase.dtype].bytesPerElement));
      input = { view, file };
      inputs.set(testCase.dtype, input);
    }
    const { view, file } = input;
    const bytes = size * size * DTYPE_INFO[testCase.dtype].bytesPerElement;
    const kernel = getKernel(testCase.kernel);
    // Parameters as the tiles see them (a histogram's range found once): no first pass is timed.
    const prepared = (await runKernel(kernel, view, parseParams(kernel.name, kernel.params, testCase.params), { devices: [jsPool], tile })).params;
    let last: RunResult | null = null;
    const common = [testCase.kernel, testCase.dtype, file, String(size), String(tile), String(threads), String(repeats), ...peerArgs(testCase, prepared)];
    // One timed C run per call, for the rounds beside the WASM pool's runs.
    const oneRun = [...common];
    oneRun[6] = '1';
    // The first paired C run, for its checksum (an object, so the closure's assignment is seen).
    const cFirst: { run: PeerRun | null } = { run: null };
    const paired = await pairedRuns(
      async () => (last = await runKernel(kernel, view, prepared, { devices: [wasmPool], tile })),
      'binary' in c
        ? () => {
            const run = runPeer(c.binary, oneRun, { FRESH_OUTPUT: '1' });
            cFirst.run ??= run;
            return run.seconds;
          }
        : null,
    );
    const wasm = bytes / paired.pool / 1e9;
    const js = bytes / (await timeBest(() => runKernel(kernel, view, prepared, { devices: [jsPool], tile }))) / 1e9;
    let cReused: PeerRun | null = null;
    let cOne: PeerRun | null = null;
    if ('binary' in c) {
      if (kernel.kind === 'map') cReused = runPeer(c.binary, common, { FRESH_OUTPUT: '0' });
      const oneThread = [...common];
      oneThread[5] = '1';
      cOne = runPeer(c.binary, oneThread, { FRESH_OUTPUT: '0' });
    }
    const split = await poolSplit(wasmPool, view, testCase, prepared);
    const one = singleThread(view, testCase, prepared);
    const cv = 'python' in opencv ? runPeer(opencv.python, [join(repositoryRoot(), 'bench', 'peers', 'opencv_peer.py'), ...common]) : null;
    const ours = checksumOf(last!);
    const cRun = cFirst.run;
    const check = cRun?.checksum === undefined ? '-' : Math.abs(cRun.checksum - ours) <= 1e-5 * Math.abs(ours) + 1e-3 ? 'same' : `DIFF ${cRun.checksum} vs ${ours}`;
    const row: Row = {
      case: testCase.id,
      wasm,
      js,
      c: paired.c === null ? null : bytes / paired.c / 1e9,
      pairedRatio: paired.ratio,
      cReused: cReused ? bytes / cReused.seconds / 1e9 : null,
      opencv: cv ? bytes / cv.seconds / 1e9 : null,
      wasmSplit: split,
      wasmOneThread: one.gigabytesPerSecond,
      cOneThread: cOne ? bytes / cOne.seconds / 1e9 : null,
      copyShare: one.copyShare,
      check,
    };
    rows.push(row);
    log(`  ${row.case}: wasm ${wasm.toFixed(2)} GB/s, js ${js.toFixed(2)}, C ${row.c?.toFixed(2) ?? '-'}, OpenCV ${row.opencv?.toFixed(2) ?? '-'}`);
  }
  await wasmPool.close();
  await jsPool.close();
  if (flags.json) {
    console.log(JSON.stringify({ size, tile, threads, repeats, c: 'binary' in c ? 'gcc -O3 -march=native -fopenmp' : c.missing, opencv: 'python' in opencv ? opencv.python : opencv.missing, rows }, null, 2));
    return;
  }
  const f = (value: number | null, digits = 2): string => (value === null || Number.isNaN(value) ? '-' : value.toFixed(digits));
  const table = [
    ['case', 'WASM pool', 'JS pool', 'C', 'C reused', 'OpenCV', 'WASM/C', 'paired', 'split', 'split/C', 'WASM/JS', 'WASM/OpenCV', 'WASM 1T', 'C 1T', '1T ratio', 'copy', 'C check'],
    ...rows.map((r) => [
      r.case,
      f(r.wasm),
      f(r.js),
      f(r.c),
      f(r.cReused),
      f(r.opencv),
      f(r.c === null ? null : r.wasm / r.c),
      f(r.pairedRatio),
      f(r.wasmSplit),
      f(r.c === null ? null : r.wasmSplit / r.c),
      f(r.wasm / r.js),
      f(r.opencv === null ? null : r.wasm / r.opencv),
      f(r.wasmOneThread),
      f(r.cOneThread),
      f(r.cOneThread === null ? null : r.wasmOneThread / r.cOneThread),
      `${f(r.copyShare * 100, 0)}%`,
      r.check,
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  console.log('\nGB/s of input\n' + table.map((row) => row.map((cell, i) => (i > 0 && i < 16 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')).join('\n'));
}

await main();
process.exit(0);
