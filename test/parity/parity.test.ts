/**
 * The proof that backends agree: every kernel x every backend x the awkward corpus, against the
 * CPU reference run on the same tile grid. Integer results must be bit-identical; float results
 * stay within the tolerance each kernel states in its folder (kernels/<name>/parity.ts). At the
 * end the suite prints a matrix: kernel x backend, "pass" or the worst error found.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinKernels } from '../../kernels/index.js';
import { loadKernelModule } from '../../kernels/load-module.js';
import { compareArrays, type KernelParity, type ParityResult, type ParityVerdict } from '../../kernels/parity.js';
import type { AnyKernel } from '../../kernels/types.js';
import { UsageError } from '../../src/errors.js';
import { openCpuPoolWith } from '../../src/devices/cpu-pool-impl.js';
import type { Device } from '../../src/devices/device.js';
import { GpuJsDevice } from '../../src/devices/gpujs.js';
import { runKernel, type RunResult } from '../../src/run.js';
import { tileRange } from '../../src/tiling/tile-grid.js';
import { awkwardCases, type Case } from '../support/awkward-arrays.js';
import { openWebGpu, skipWebGpu } from '../support/webgpu-required.js';

interface Backend {
  name: string;
  open: () => Promise<Device>;
  device?: Device;
}

// The first backend is the reference: the pool running the plain TypeScript kernels. The
// WebAssembly SIMD kernels run in a second pool (TILERUN_CPU_IMPL=wasm: an error, not a quiet
// fallback, where the module cannot load).
const backends: Backend[] = [
  { name: 'cpu pool', open: async () => openCpuPoolWith('js', { threads: 2 }) },
  { name: 'cpu pool (wasm)', open: async () => openCpuPoolWith('wasm', { threads: 2 }) },
  ...(skipWebGpu ? [] : [{ name: 'webgpu', open: () => openWebGpu() }]),
  { name: 'gpu.js (default)', open: () => GpuJsDevice.open() },
  { name: 'gpu.js cpu mode', open: () => GpuJsDevice.open({ mode: 'cpu' }) },
];

/**
 * The example user kernel is held to its own stated standard: its maximum is exact on every
 * backend, except that a GPU may flush a subnormal maximum to 0 (WGSL allows it).
 */
const SMALLEST_NORMAL = 2 ** -126;
const exactParity: KernelParity<Record<string, unknown>> = {
  paramSets: () => [
    { radius: 1, boundary: 'reflect', value: 0 },
    { radius: 3, boundary: 'constant', value: 300 },
    { radius: 2, boundary: 'periodic', value: 0 },
  ],
  compare: (reference, actual) =>
    compareArrays(reference.output!, actual.output!, (expected) => (Math.abs(expected) < SMALLEST_NORMAL ? SMALLEST_NORMAL : 0)),
};

async function kernelsUnderTest(): Promise<{ kernel: AnyKernel; parity: KernelParity<unknown> }[]> {
  const list: { kernel: AnyKernel; parity: KernelParity<unknown> }[] = [];
  for (const kernel of builtinKernels()) {
    const module = (await import(`../../kernels/${kernel.name}/parity.ts`)) as { parity: KernelParity<unknown> };
    list.push({ kernel, parity: module.parity });
  }
  const example = await loadKernelModule(fileURLToPath(new URL('../../kernels/examples/dilate.js', import.meta.url)));
  list.push({ kernel: example, parity: exactParity as KernelParity<unknown> });
  return list;
}

function parityResult(result: RunResult): ParityResult<unknown> {
  return {
    tiles: tileRange(result.grid, 0, result.grid.count),
    partials: result.partials,
    whole: result.whole,
    ...(result.output ? { output: result.output } : {}),
  };
}

/** The corpus, plus cases aimed at stencils: a halo wider than the tile and the image. */
function corpus(): Case[] {
  return awkwardCases();
}

const kernels = await kernelsUnderTest();
const matrix = new Map<string, string>();

describe('parity: every kernel on every backend agrees with the CPU reference', () => {
  beforeAll(async () => {
    for (const backend of backends) backend.device = await backend.open();
  });
  afterAll(async () => {
    for (const backend of backends) await backend.device?.close();
    const names = backends.map((b) => b.name);
    const rows = [['kernel', ...names], ...kernels.map(({ kernel }) => [kernel.name, ...names.map((n) => matrix.get(`${kernel.name}|${n}`) ?? '-')])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    const text = rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
    console.log(`\nParity matrix (pass, n/a, or the worst error as error/allowed at a place):\n${text}\n`);
  });

  for (const { kernel, parity } of kernels) {
    for (const backend of backends) {
      it(`${kernel.name} on ${backend.name}`, async () => {
        const device = backend.device!;
        if (!device.supports(kernel)) {
          matrix.set(`${kernel.name}|${backend.name}`, 'n/a');
          return;
        }
        const reference = backends[0]!.device!;
        const failures: string[] = [];
        let worst: (ParityVerdict & { label: string }) | null = null;
        let checked = 0;
        for (const testCase of corpus()) {
          for (const params of parity.paramSets(testCase.view)) {
            const label = `${testCase.name} ${JSON.stringify(params)}`;
            try {
              kernel.validateParams(testCase.view, params);
            } catch (error) {
              if (error instanceof UsageError) continue; // parameters this input does not take
              throw error;
            }
            // A downsample's tiles are whole blocks: round the case's tile up to the factor.
            const factor = kernel.kind === 'map' ? kernel.output(testCase.view, params).factor : 1;
            const tile = Math.ceil(testCase.tile / factor) * factor;
            const expected = await runKernel(kernel, testCase.view, params, { devices: [reference], tile });
            let actual: RunResult;
            try {
              actual = await runKernel(kernel, testCase.view, params, { devices: [device], tile });
            } catch (error) {
              failures.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
              continue;
            }
            checked++;
            const verdict = parity.compare(parityResult(expected), parityResult(actual), testCase.view, params);
            const ratio = verdict.allowed > 0 ? verdict.error / verdict.allowed : verdict.error > 0 ? Infinity : 0;
            const worstRatio = worst ? (worst.allowed > 0 ? worst.error / worst.allowed : worst.error > 0 ? Infinity : 0) : -1;
            if (ratio > worstRatio) worst = { ...verdict, label };
            if (verdict.error > verdict.allowed) failures.push(`${label}: ${verdict.error} > ${verdict.allowed} at ${verdict.where ?? '?'}`);
          }
        }
        matrix.set(
          `${kernel.name}|${backend.name}`,
          failures.length === 0 ? `pass (${checked})` : `FAIL ${failures.length}: worst ${worst?.error}/${worst?.allowed} (${worst?.label} ${worst?.where ?? ''})`,
        );
        expect(checked, 'no case ran').toBeGreaterThan(0);
        expect(failures, failures.slice(0, 5).join('\n')).toEqual([]);
      });
    }
  }
});
