// Shared part of every map kernel's WGSL (joined by mapShaderSource). The host also adds
//   const DTYPE: u32;     0 = u8 packed four to a word, 1 = u16 two to a word, 2 = f32
//   const WG: u32;        workgroup size
//   const CHANNELS: u32;  interleaved channels of input and output
// The kernel's own WGSL defines
//   fn compute(t: TileDesc, oy: u32, ox: u32, c: u32) -> f32
// which returns the output element at row oy, column ox (relative to the tile's output block) and
// channel c. It reads input with load(band_row, column, channel): band rows count from the first
// uploaded row (the tile's core starts at band row t.y, its halo above it), columns are array
// columns 0 .. width-1 (map columns outside the array with boundary_index).

struct MapParams {
  width: u32,      // array width
  height: u32,     // array height
  head: u32,       // contiguous bands: elements before the first row (4-byte alignment)
  row_words: u32,  // gathered bands: words per row; 0 for contiguous bands
  band_y0: i32,    // array row of band row 0 (negative when a halo reaches above the array)
  pad0: u32,
  pad1: u32,
  pad2: u32,
  extra: array<vec4<f32>, 64>,  // the kernel's own numbers, read with param(i)
}

struct TileDesc {
  y: u32,           // first core row, relative to the band
  x: u32,           // first core column
  h: u32,
  w: u32,
  out_offset: u32,  // where this tile's output block starts in `out`
  out_h: u32,
  out_w: u32,
  pad: u32,
}

@group(0) @binding(0) var<storage, read> data: array<u32>;
@group(0) @binding(1) var<storage, read> tiles: array<TileDesc>;
// Output blocks: f32 bits (OUT_DTYPE 2), or converted and packed four u8 (0) or two u16 (1) to a
// word, so the host copies rows instead of converting elements. Kernels whose parts set
// packedOutput get OUT_DTYPE from the device; others keep f32 (the host converts).
override OUT_DTYPE: u32 = 2u;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> params: MapParams;

fn param(i: u32) -> f32 {
  return params.extra[i / 4u][i % 4u];
}

/** The input element at band row r, array column x, channel c, as f32. */
fn load(r: u32, x: u32, c: u32) -> f32 {
  var word_index: u32;
  var sub: u32;
  let per_word = select(select(1u, 2u, DTYPE == 1u), 4u, DTYPE == 0u);
  if (params.row_words == 0u) {
    let e = params.head + (r * params.width + x) * CHANNELS + c;
    word_index = e / per_word;
    sub = e % per_word;
  } else {
    let e = x * CHANNELS + c;
    word_index = r * params.row_words + e / per_word;
    sub = e % per_word;
  }
  let word = data[word_index];
  if (DTYPE == 0u) {
    return f32((word >> (sub * 8u)) & 0xffu);
  }
  if (DTYPE == 1u) {
    return f32((word >> (sub * 16u)) & 0xffffu);
  }
  return bitcast<f32>(word);
}

/** The array row a band row stands for (outside 0 .. height-1 where the halo leaves the array). */
fn absolute_row(r: u32) -> i32 {
  return params.band_y0 + i32(r);
}

/** boundary.ts's rule: the in-array index for i under mode (0 reflect, 1 nearest, 2 constant, 3 periodic), -1 for the constant. */
fn boundary_index(i: i32, n: i32, mode: u32) -> i32 {
  if (i >= 0 && i < n) {
    return i;
  }
  if (mode == 2u) {
    return -1;
  }
  if (mode == 1u) {
    return select(n - 1, 0, i < 0);
  }
  if (mode == 3u) {
    return ((i % n) + n) % n;
  }
  let period = 2 * n;
  let j = ((i % period) + period) % period;
  return select(period - 1 - j, j, j < n);
}

/** convert.ts's rule for integer outputs: NaN (by its bits) to 0, clamp, round half to even. */
fn to_integer(v: f32, max_value: f32) -> u32 {
  if ((bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u || !(v > 0.0)) {
    return 0u;
  }
  if (v >= max_value) {
    return u32(max_value);
  }
  return u32(round(v));
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let t = tiles[wid.y];
  let n = t.out_h * t.out_w * CHANNELS;
  let per_word = select(select(1u, 2u, OUT_DTYPE == 1u), 4u, OUT_DTYPE == 0u);
  let bits = 32u / per_word;
  let max_value = select(65535.0, 255.0, OUT_DTYPE == 0u);
  let words = (n + per_word - 1u) / per_word;
  let stride = groups.x * WG;
  for (var w = wid.x * WG + lid; w < words; w += stride) {
    var packed = 0u;
    for (var k = 0u; k < per_word; k++) {
      let i = w * per_word + k;
      if (i < n) {
        let c = i % CHANNELS;
        let px = i / CHANNELS;
        let v = compute(t, px / t.out_w, px % t.out_w, c);
        if (OUT_DTYPE == 2u) {
          packed = bitcast<u32>(v);
        } else {
          packed |= to_integer(v, max_value) << (k * bits);
        }
      }
    }
    out[t.out_offset + w] = packed;
  }
}
