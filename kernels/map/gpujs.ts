import { runGpuJsMap } from '../map-support/map-gpujs.js';
import type { GpuJsMapParts } from '../types.js';
import { mapExtra } from './extra.js';
import { mapOutput } from './output.js';
import type { MapParams } from './params.js';

/** The `this` gpu.js gives a kernel function. */
interface GpuJsThis {
  readonly thread: { readonly x: number; readonly y: number };
}

/**
 * One output element, in the JavaScript subset gpu.js compiles (see runGpuJsMap for band, extra
 * and info): no closures, no NaN or Infinity literals (they come in extra, slots 12-14), one
 * exit. The numbers and their slots are kernels/map/extra.ts's; the rules are cpu.ts's.
 */
function mapElement(this: GpuJsThis, band: readonly number[], extra: readonly number[], info: readonly number[]): number {
  const bandRow = info[4]! + this.thread.y - info[3]!;
  const x = band[bandRow * info[0]! * info[2]! + this.thread.x + info[9]!]!;
  const op = extra[0]!;
  let y = extra[12]!;
  if (x === x) {
    let infinite = 0;
    if (x === extra[13]!) {
      infinite = 1;
    }
    if (x === extra[14]!) {
      infinite = -1;
    }
    if (op === 0) {
      if (infinite === 0) {
        y = x * extra[1]! + extra[2]!;
      } else if (extra[1]! === 0) {
        y = extra[12]!;
      } else if (infinite * extra[1]! > 0) {
        y = extra[13]!;
      } else {
        y = extra[14]!;
      }
    } else if (op === 1) {
      y = x;
      if (extra[1]! === 1 && x < extra[2]!) {
        y = extra[2]!;
      }
      if (extra[3]! === 1 && x > extra[4]!) {
        y = extra[4]!;
      }
    } else if (op === 2) {
      if (x < extra[1]!) {
        y = extra[2]!;
      } else {
        y = extra[3]!;
      }
    } else if (op === 3) {
      y = 0;
      if (x > 0) {
        if (infinite === 1) {
          y = x;
        } else {
          y = extra[2]! * Math.pow(x * extra[3]!, extra[1]!);
        }
      }
    } else {
      if (infinite === 1) {
        y = extra[10]!;
      } else if (infinite === -1) {
        y = extra[6]!;
      } else if (extra[1]! === 1) {
        y = extra[6]!;
      } else {
        const t = (x * extra[2]! * extra[3]! - extra[4]!) * extra[5]!;
        let v = extra[6]! + t * extra[7]!;
        if (v < extra[8]!) {
          v = extra[8]!;
        }
        if (v > extra[9]!) {
          v = extra[9]!;
        }
        y = v;
      }
    }
  }
  return y;
}

export const mapGpuJs: GpuJsMapParts<MapParams> = {
  run(context, view, tiles, params, out) {
    runGpuJsMap(context, view, tiles, out, {
      key: 'builtin:map',
      fn: mapElement,
      halo: 0,
      shape: mapOutput(view, params),
      extra: mapExtra(view, params),
    });
  },
};
