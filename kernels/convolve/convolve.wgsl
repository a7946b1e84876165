// convolve: the correlation of each channel with a weight matrix centred on the element, summed
// in f32 (see README.md for the tolerance against the f64 CPU reference). The shared map prelude
// (kernels/map-support/map-prelude.wgsl) supplies load, absolute_row, boundary_index and the
// entry point. Numbers, read with param(i) (params.ts gpuNumbers):
//   0 rows, 1 cols (odd), 2 boundary code, 3 the constant, 4.. the weights, row-major.

fn compute(t: TileDesc, oy: u32, ox: u32, c: u32) -> f32 {
  let rows = i32(param(0u));
  let cols = i32(param(1u));
  let mode = u32(param(2u));
  let constant = param(3u);
  let height = i32(params.height);
  let width = i32(params.width);
  // Band row and array column of the output element; the band holds `halo` >= rows / 2 rows
  // above the tile's core, so band rows y - rows / 2 .. y + rows / 2 all exist.
  let y = i32(t.y + oy) - rows / 2;
  let x = i32(t.x + ox) - cols / 2;
  var sum = 0.0;
  for (var i = 0; i < rows; i++) {
    let r = u32(y + i);
    // Gathered rows outside the array already follow the other modes; in constant mode they
    // hold zeros, so the constant is substituted here by the row's place in the array.
    let ar = absolute_row(r);
    let constant_row = mode == 2u && (ar < 0 || ar >= height);
    for (var j = 0; j < cols; j++) {
      let w = param(u32(4 + i * cols + j));
      // Zero weights are outside the stencil, as on the CPU (0 x Inf would be NaN).
      if (w != 0.0) {
        let xx = boundary_index(x + j, width, mode);
        var v = constant;
        if (!constant_row && xx >= 0) {
          v = load(r, u32(xx), c);
        }
        sum += w * v;
      }
    }
  }
  return sum;
}
