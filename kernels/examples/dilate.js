// An example of a user kernel module for `tilerun run ./kernels/examples/dilate.js <input>`:
// grey-scale dilation, the maximum over a (2r+1) x (2r+1) window around each element.
// It shows the whole format: parameters, a halo, a boundary mode, the CPU reference (required),
// a WGSL compute function and a gpu.js function (both optional). NaN elements are skipped, as
// numpy's nanmax does; a window of NaN only gives NaN.

// The rules every backend shares: boundary modes, and converting a result to the output dtype
// (round half to even, clamp, NaN to 0 for integers) exactly as tilerun does for GPU results.
import { BOUNDARY_CODE, boundaryIndex, convertTo, elementsOf } from 'tilerun/kernel-kit';

export default {
  name: 'dilate',
  kind: 'map',
  description: 'grey-scale dilation: the maximum over a (2r+1)x(2r+1) window (NaN skipped)',
  params: [
    { name: 'radius', type: 'integer', min: 1, max: 7, default: 1, description: 'window radius r' },
    { name: 'boundary', type: 'choice', choices: ['reflect', 'nearest', 'constant', 'periodic'], default: 'nearest', description: 'how the window sees outside the array' },
    { name: 'value', type: 'number', default: 0, description: 'the value outside the array in constant mode' },
  ],
  // GPUs may treat subnormal floats as zero (WGSL allows it; NVIDIA does), so a maximum that is
  // a subnormal can come back as 0 there.
  tolerance: 'bit-identical on every backend (a maximum does no rounding), except that a GPU may flush subnormal values to 0',
  halo: (_view, params) => params.radius,
  boundary: (params) => ({ mode: params.boundary, value: params.value }),
  // Output: the input's shape and dtype (the default when `output` is left out).

  // The reference: writes each tile's core into `out`. Arrays are height x width x channels,
  // channels interleaved, in a SharedArrayBuffer shared by every worker thread.
  cpu(view, tiles, params, out) {
    const input = elementsOf(view);
    const output = elementsOf(out);
    const { radius: r, boundary, value } = params;
    const C = view.channels;
    for (const tile of tiles) {
      for (let y = tile.y; y < tile.y + tile.height; y++) {
        for (let x = tile.x; x < tile.x + tile.width; x++) {
          for (let c = 0; c < C; c++) {
            let best = Number.NaN;
            for (let dy = -r; dy <= r; dy++) {
              const yy = boundaryIndex(y + dy, view.height, boundary);
              for (let dx = -r; dx <= r; dx++) {
                const xx = boundaryIndex(x + dx, view.width, boundary);
                const v = yy < 0 || xx < 0 ? value : input[(yy * view.width + xx) * C + c];
                if (!(v <= best) && v === v) best = v;
              }
            }
            output[(y * view.width + x) * C + c] = convertTo(out.dtype, best);
          }
        }
      }
    }
  },

  // The numbers the WGSL reads with param(i) and the gpu.js function receives as `extra`.
  // gpu.js has no NaN literal, so the gpu.js function gets its NaN here too.
  extra: (_view, params) => [params.radius, BOUNDARY_CODE[params.boundary], params.value, Number.NaN],

  // WGSL: the output element at (oy, ox, c) of tile t. load() reads the uploaded band (rows
  // outside the array already follow the boundary mode); columns are mapped here.
  wgsl: /* wgsl */ `
fn compute(t: TileDesc, oy: u32, ox: u32, c: u32) -> f32 {
  let r = i32(param(0u));
  let mode = u32(param(1u));
  let y = i32(t.y + oy);
  let x = i32(t.x + ox);
  // A var, not a constant: WGSL rejects NaN in constant expressions.
  var nan_bits = 0x7fc00000u;
  var best = bitcast<f32>(nan_bits);
  var found = false;
  for (var dy = -r; dy <= r; dy++) {
    let constant_row = mode == 2u && (absolute_row(u32(y + dy)) < 0 || absolute_row(u32(y + dy)) >= i32(params.height));
    for (var dx = -r; dx <= r; dx++) {
      let xx = boundary_index(x + dx, i32(params.width), mode);
      var v = param(2u);
      if (!constant_row && xx >= 0) {
        v = load(u32(y + dy), u32(xx), c);
      }
      // NaN fails every comparison: skip it without relying on max()'s NaN behaviour.
      let is_nan = bitcast<u32>(v) & 0x7fffffffu;
      if (is_nan <= 0x7f800000u && (!found || v > best)) {
        best = v;
        found = true;
      }
    }
  }
  return best;
}
`,

  // gpu.js: this.thread.x + info[9] = column * channels + channel, this.thread.y = output row -
  // info[4]. info = [width, height, channels, band's first array row, first output row, factor,
  // halo, boundary code, constant, first column x channels]. tilerun provides boundaryIndex.
  gpujsFunction: function (band, extra, info) {
    const width = info[0];
    const channels = info[2];
    const r = extra[0];
    const mode = extra[1];
    const element = this.thread.x + info[9];
    const c = element % channels;
    const x = (element - c) / channels;
    const bandRow = info[4] + this.thread.y - info[3];
    let best = 0;
    let found = 0;
    for (let dy = -7; dy <= 7; dy++) {
      if (dy >= -r && dy <= r) {
        for (let dx = -7; dx <= 7; dx++) {
          if (dx >= -r && dx <= r) {
            const xx = boundaryIndex(x + dx, width, mode);
            let v = extra[2];
            if (xx >= 0) {
              v = band[(bandRow + dy) * width * channels + xx * channels + c];
            }
            if (v === v) {
              if (found === 0 || v > best) {
                best = v;
                found = 1;
              }
            }
          }
        }
      }
    }
    if (found === 0) {
      return extra[3];
    }
    return best;
  },
};
