/**
 * The WebAssembly SIMD path of the CPU kernels against the TypeScript reference, on the calling
 * thread: every accelerated kernel x the awkward corpus (plus larger arrays that reach the SIMD
 * main loops and bands of several tiles) x the parameter sets of its parity rule, compared with
 * that rule (integers bit-identical, floats within the kernel's tolerance; map outputs must be
 * bit-identical whatever the dtype). The pool-level
 * check is in test/parity (backend "cpu pool (wasm)").
 *
 * The module must load: a missing build (no clang) fails here rather than passing on the
 * reference twice. Outside CI, TILERUN_SKIP_WASM=1 skips, and says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getKernel } from '../../kernels/index.js';
import { compareArrays, type KernelParity, type ParityResult } from '../../kernels/parity.js';
import { cpuImpl, setCpuImpl } from '../../kernels/wasm/choice.js';
import { wasmKernels, wasmUnavailableReason } from '../../kernels/wasm/module.js';
import { arrayFromElements, type ArrayView } from '../../src/array/array-view.js';
import type { DType } from '../../src/array/dtype.js';
import { InProcessCpuDevice } from '../../src/devices/in-process.js';
import { UsageError } from '../../src/errors.js';
import { runKernel, type RunResult } from '../../src/run.js';
import { tileRange } from '../../src/tiling/tile-grid.js';
import { awkwardCases, randomSource, type Case } from '../support/awkward-arrays.js';

const skip = process.env.TILERUN_SKIP_WASM === '1' && process.env.CI !== 'true';
if (skip) console.warn('TILERUN_SKIP_WASM=1: WebAssembly kernel tests are SKIPPED (never allowed under CI=true)');

const ACCELERATED = ['tile-stats', 'histogram', 'convolve', 'downsample'] as const;

function randomArray(dtype: DType, height: number, width: number, channels: number, seed: number): ArrayView {
  const random = randomSource(seed);
  const data = Array.from({ length: height * width * channels }, (_, i) => {
    if (dtype === 'f32') return i % 97 === 0 ? Number.NaN : i % 89 === 0 ? Infinity : (random() - 0.3) * 100;
    return Math.floor(random() * (dtype === 'u8' ? 256 : 65536));
  });
  return arrayFromElements(dtype, height, width, channels, data);
}

/** Wider than a SIMD block, several tiles a band, odd edges, a run of equal bytes. */
function largerCases(): Case[] {
  const runs = randomArray('u8', 70, 300, 1, 3);
  new Uint8Array(runs.buffer).fill(9, 0, 5000);
  return [
    { name: 'u8 130x517, tile 128', view: randomArray('u8', 130, 517, 1, 1), tile: 128 },
    { name: 'u8 70x300 with a long run of one value, tile 64', view: runs, tile: 64 },
    { name: 'u8 2 channels 67x133, tile 32', view: randomArray('u8', 67, 133, 2, 2), tile: 32 },
    { name: 'u16 131x263, tile 64', view: randomArray('u16', 131, 263, 1, 4), tile: 64 },
    { name: 'u16 3 channels 45x71, tile 32', view: randomArray('u16', 45, 71, 3, 5), tile: 32 },
    { name: 'f32 NaN/Inf 97x211, tile 64', view: randomArray('f32', 97, 211, 1, 6), tile: 64 },
    { name: 'f32 2 channels 50x90, tile 32', view: randomArray('f32', 50, 90, 2, 7), tile: 32 },
  ];
}

async function run(impl: 'js' | 'wasm', kernelName: string, testCase: Case, params: unknown, tile: number): Promise<RunResult> {
  setCpuImpl(impl);
  return runKernel(getKernel(kernelName), testCase.view, params, { devices: [new InProcessCpuDevice()], tile });
}

function parityResult(result: RunResult): ParityResult<unknown> {
  return {
    tiles: tileRange(result.grid, 0, result.grid.count),
    partials: result.partials,
    whole: result.whole,
    ...(result.output ? { output: result.output } : {}),
  };
}

describe.skipIf(skip)('WebAssembly SIMD CPU kernels agree with the TypeScript reference', () => {
  afterEach(() => setCpuImpl(null));

  it('loads the module', () => {
    expect(wasmUnavailableReason()).toBeNull();
    expect(wasmKernels()).not.toBeNull();
  });

  it('runs the module under wasm and auto, the reference under js', () => {
    const view = randomArray('u8', 8, 8, 1, 9);
    const tiles = [{ index: 0, row: 0, col: 0, x: 0, y: 0, width: 8, height: 8, halo: 0 }];
    const kernel = getKernel('histogram');
    const arena = wasmKernels()!.arena;
    const callsWith = (impl: 'js' | 'wasm' | 'auto'): number => {
      setCpuImpl(impl);
      const before = arena.calls;
      if (kernel.kind === 'reduction') kernel.cpu(view, tiles, { bins: 4, range: { lo: 0, hi: 255 } });
      return arena.calls - before;
    };
    expect(callsWith('wasm')).toBe(1);
    expect(callsWith('auto')).toBe(1);
    expect(callsWith('js')).toBe(0);
  });

  it('refuses an unknown TILERUN_CPU_IMPL, naming the accepted values', () => {
    const previous = process.env.TILERUN_CPU_IMPL;
    process.env.TILERUN_CPU_IMPL = 'simd';
    try {
      expect(() => cpuImpl()).toThrow(/js, wasm, auto.*'simd'/);
    } finally {
      if (previous === undefined) delete process.env.TILERUN_CPU_IMPL;
      else process.env.TILERUN_CPU_IMPL = previous;
    }
  });

  for (const kernelName of ACCELERATED) {
    it(`${kernelName}: agrees with the reference`, async () => {
      const kernel = getKernel(kernelName);
      const { parity } = (await import(`../../kernels/${kernelName}/parity.ts`)) as { parity: KernelParity<unknown> };
      const failures: string[] = [];
      let checked = 0;
      for (const testCase of [...awkwardCases(), ...largerCases()]) {
        for (const params of parity.paramSets(testCase.view)) {
          try {
            kernel.validateParams(testCase.view, params);
          } catch (error) {
            if (error instanceof UsageError) continue;
            throw error;
          }
          const factor = kernel.kind === 'map' ? kernel.output(testCase.view, params).factor : 1;
          const tile = Math.ceil(testCase.tile / factor) * factor;
          const expected = await run('js', kernelName, testCase, params, tile);
          const actual = await run('wasm', kernelName, testCase, params, tile);
          const verdict = parity.compare(parityResult(expected), parityResult(actual), testCase.view, params);
          checked++;
          if (verdict.error > verdict.allowed) failures.push(`${testCase.name} ${JSON.stringify(params)}: ${verdict.error} > ${verdict.allowed} at ${verdict.where ?? '?'}`);
          // Maps compute exactly what the reference does (f64 sums in its order): every element,
          // NaN and -0 included, must be the same, stricter than the kernels' GPU tolerances.
          if (kernel.kind === 'map') {
            const exact = compareArrays(expected.output!, actual.output!, () => 0);
            if (exact.error !== 0) failures.push(`${testCase.name} ${JSON.stringify(params)}: not bit-identical at ${exact.where ?? '?'}`);
          }
        }
      }
      expect(checked).toBeGreaterThan(20);
      expect(failures, failures.slice(0, 8).join('\n')).toEqual([]);
    });
  }
});
