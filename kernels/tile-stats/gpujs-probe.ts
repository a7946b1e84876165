/**
 * A self-check of the gpu.js backend a device runs, once per device and dtype, before its first
 * tile-stats batch. gpu.js transpiles to whatever the platform offers, and not every target keeps
 * IEEE semantics (GL drivers may flush subnormals to zero or fold `x !== x` to false), so the
 * kernels are run on a few tiles of awkward values and compared with the CPU reference:
 * - u8/u16: everything must be identical (sums at the 2^24 limit included), else the device
 *   refuses the kernel with a DeviceError rather than return wrong integers;
 * - f32: counts, min, max, histograms must be identical and means close, else the backend is
 *   marked as not handling special values, and tiles holding them are computed on the host.
 */
import { arrayFromElements, type ArrayView } from '../../src/array/array-view.js';
import type { DType } from '../../src/array/dtype.js';
import { DeviceError } from '../../src/errors.js';
import { makeTileGrid, tileRange } from '../../src/tiling/tile-grid.js';
import type { GpuJsContext } from '../types.js';
import { tileStatsCpu } from './cpu.js';
import { integerChunk } from './gpujs-exact.js';
import { runTileStatsGpuJs, type GpuJsSupport } from './gpujs-run.js';
import type { TileStatsParams } from './params.js';
import type { ChannelStats } from './partial.js';
import { F32_RELATIVE_TOLERANCE } from './webgpu.js';

const FLT_MAX = 3.4028234663852886e38;
const LARGEST_SUBNORMAL = 2 ** -126 - 2 ** -149;

interface Probe {
  view: ArrayView;
  tileWidth: number;
  params: TileStatsParams;
}

function probeFor(dtype: DType): Probe {
  if (dtype === 'f32') {
    // Tiles of four: non-finite values; subnormals only (min 1e-45); extremes of both signs and -0.
    const values = [Number.NaN, Infinity, -Infinity, 1.5, 1e-45, 3e-45, LARGEST_SUBNORMAL, 1, FLT_MAX, -FLT_MAX, -0, 1e30];
    return { view: arrayFromElements('f32', 1, values.length, 1, values), tileWidth: 4, params: { bins: 4, range: { lo: -2, hi: 2 } } };
  }
  // Two full chunks of the largest value and a few more: every sum a thread keeps at its maximum.
  const max = dtype === 'u8' ? 255 : 65535;
  const width = integerChunk(dtype) * 2 + 3;
  const values = Array.from({ length: width }, (_, i) => (i < width - 3 ? max : (i * 37) % max));
  return { view: arrayFromElements(dtype, 1, width, 1, values), tileWidth: width, params: { bins: 5, range: { lo: 0, hi: max } } };
}

/** Which fields differ, by name, between a backend's channel and the reference's. */
function differences(actual: ChannelStats, expected: ChannelStats, isInteger: boolean): string[] {
  const exact: (keyof ChannelStats)[] = ['elements', 'nanCount', 'posInfCount', 'negInfCount', 'finiteCount', 'finiteMin', 'finiteMax', 'exactSum', 'exactSumSq', 'below', 'above'];
  if (isInteger) exact.push('mean', 'm2');
  const found = exact.filter((field) => !Object.is(actual[field], expected[field]));
  if (actual.histogram.some((count, bin) => count !== expected.histogram[bin])) found.push('histogram');
  if (!isInteger && expected.finiteCount > 0) {
    const scale = Math.max(Math.abs(expected.finiteMin), Math.abs(expected.finiteMax));
    if (!(Math.abs(actual.mean - expected.mean) <= F32_RELATIVE_TOLERANCE * scale)) found.push('mean');
  }
  return found;
}

function check(context: GpuJsContext, dtype: DType): GpuJsSupport {
  const { view, tileWidth, params } = probeFor(dtype);
  const tiles = tileRange(makeTileGrid(view.height, view.width, 1, tileWidth), 0, Math.ceil(view.width / tileWidth));
  const expected = tileStatsCpu(view, tiles, params);
  const actual = runTileStatsGpuJs(context, view, tiles, params, { specialFloats: true });
  const wrong = new Set<string>();
  actual.forEach((partial, t) =>
    partial.channels.forEach((channel, c) => differences(channel, expected[t]!.channels[c]!, dtype !== 'f32').forEach((f) => wrong.add(f))),
  );
  if (wrong.size === 0) return { specialFloats: true };
  if (dtype === 'f32') return { specialFloats: false };
  throw new DeviceError(
    `gpu.js ${context.backend} does not compute integers below 2^24 exactly (tile-stats self-check on ${dtype}: ${[...wrong].join(', ')} differ from the CPU)`,
  );
}

const checked = new WeakMap<GpuJsContext, Map<DType, GpuJsSupport>>();

/** The backend's support for a dtype, checked on first use and remembered for the device. */
export function gpuJsSupport(context: GpuJsContext, dtype: DType): GpuJsSupport {
  let byDtype = checked.get(context);
  if (!byDtype) {
    byDtype = new Map();
    checked.set(context, byDtype);
  }
  let support = byDtype.get(dtype);
  if (!support) {
    support = check(context, dtype);
    byDtype.set(dtype, support);
  }
  return support;
}
