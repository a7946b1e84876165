/**
 * Browser runtime parity: every built-in kernel on each of the page's devices (WebGPU on
 * SwiftShader, gpu.js on WebGL2, the Web Worker pool) agrees with the Node CPU reference on the
 * awkward corpus, under the same rules as test/parity: integers exact, floats within each kernel's
 * stated tolerance. One Chromium serves the whole file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinKernels } from '../../kernels/index.js';
import type { KernelParity, ParityResult } from '../../kernels/parity.js';
import { openBrowserDevices } from '../../src/browser/open.js';
import type { BrowserSession } from '../../src/browser/session.js';
import { openCpuPoolWith } from '../../src/devices/cpu-pool-impl.js';
import type { Device } from '../../src/devices/device.js';
import { UsageError } from '../../src/errors.js';
import { runKernel, type RunResult } from '../../src/run.js';
import { tileRange } from '../../src/tiling/tile-grid.js';
import { awkwardCases } from '../support/awkward-arrays.js';
import { skipBrowser, testBrowser } from '../support/browser-required.js';

function parityResult(result: RunResult): ParityResult<unknown> {
  return { tiles: tileRange(result.grid, 0, result.grid.count), partials: result.partials, whole: result.whole, ...(result.output ? { output: result.output } : {}) };
}

/**
 * Every batch crosses to the page and back (a few ms each, far more on a loaded machine), so by
 * default a subset of the awkward corpus runs: odd sizes, 4 channels, integer extremes, NaN and
 * infinities, f32 extremes. TILERUN_BROWSER_PARITY=full runs all of it.
 */
const SUBSET = ['u8 odd size 37x53, tile 16', 'u8 RGBA 4 channels', 'u16 extremes 0/65535', 'f32 NaN and infinities', 'f32 extremes'];
const corpus = awkwardCases().filter((testCase) => process.env.TILERUN_BROWSER_PARITY === 'full' || SUBSET.includes(testCase.name));

/** The Node reference, run once per (kernel, case, parameters) and shared by the three page devices. */
const references = new Map<string, Promise<RunResult>>();

const kernels = await Promise.all(
  builtinKernels().map(async (kernel) => ({ kernel, parity: ((await import(`../../kernels/${kernel.name}/parity.ts`)) as { parity: KernelParity<unknown> }).parity })),
);

describe.skipIf(skipBrowser)('browser runtime parity with the Node CPU reference', () => {
  let reference: Device;
  let browserDevices: Device[] = [];
  let session: BrowserSession;
  beforeAll(async () => {
    reference = openCpuPoolWith('js', { threads: 2 });
    const opened = await openBrowserDevices({ auto: false, kinds: ['cpu', 'webgpu', 'gpujs'] }, { executable: testBrowser(), threads: 2 });
    browserDevices = opened.devices;
    session = opened.session;
  }, 120_000);
  afterAll(async () => {
    await reference?.close();
    for (const device of browserDevices) await device.close();
  });

  it('opens the three page devices', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(SUBSET.length);
    expect(browserDevices.map((device) => device.info.id).sort()).toEqual(['browser:cpu', 'browser:gpujs', 'browser:webgpu']);
    expect(session.opened.crossOriginIsolated).toBe(true);
  });

  for (const { kernel, parity } of kernels) {
    for (const kind of ['cpu', 'webgpu', 'gpujs']) {
      it(`${kernel.name} on browser:${kind}`, async () => {
        const device = browserDevices.find((candidate) => candidate.info.id === `browser:${kind}`)!;
        if (!device.supports(kernel)) return;
        const failures: string[] = [];
        let checked = 0;
        for (const testCase of corpus) {
          for (const params of parity.paramSets(testCase.view)) {
            try {
              kernel.validateParams(testCase.view, params);
            } catch (error) {
              if (error instanceof UsageError) continue;
              throw error;
            }
            const factor = kernel.kind === 'map' ? kernel.output(testCase.view, params).factor : 1;
            const tile = Math.ceil(testCase.tile / factor) * factor;
            const label = `${testCase.name} ${JSON.stringify(params)}`;
            const key = `${kernel.name}|${label}`;
            if (!references.has(key)) references.set(key, runKernel(kernel, testCase.view, params, { devices: [reference], tile, models: false }));
            const expected = await references.get(key)!;
            let actual: RunResult;
            try {
              actual = await runKernel(kernel, testCase.view, params, { devices: [device], tile, models: false });
            } catch (error) {
              failures.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
              continue;
            }
            checked++;
            const verdict = parity.compare(parityResult(expected), parityResult(actual), testCase.view, params);
            if (verdict.error > verdict.allowed) failures.push(`${label}: ${verdict.error} > ${verdict.allowed} at ${verdict.where ?? '?'}`);
          }
        }
        expect(checked, 'no case ran').toBeGreaterThan(0);
        expect(failures, failures.slice(0, 5).join('\n')).toEqual([]);
      }, 300_000);
    }
  }
});
