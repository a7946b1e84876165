// tile-stats: per (tile, channel) min, max, NaN/Inf counts, moments and a histogram.
// One workgroup per (tile, channel): workgroup_id.x is the tile's slot in the batch, .y the channel.
//
// The host prepends:
//   const DTYPE: u32;  (0 = u8 packed four to a word, 1 = u16 packed two to a word, 2 = f32)
//   const WG: u32;     (workgroup size, a power of two <= 256)
//
// Output record per (tile, channel), RECORD_HEADER words then `bins` histogram words:
//   0 min  1 max      (integers: the value; f32: order-preserving key of the bits, finite values)
//   2 nan  3 +inf  4 -inf  5 below  6 above
//   7 shift (f32 bits: the tile's first finite value, which the f32 sums are taken relative to)
//   8,9 sum lo,hi  10,11 sum of squares lo,hi   (integers: exact 64-bit)
//   12 sum small  13 sum big  14 squares small  15 squares big   (f32 bits, see below)
// f32 deviations d = x - shift are summed in two accumulators so no sum overflows f32:
// |d| < 2^32 goes to "small" as is; larger |d| is scaled by 2^-80 into "big" (the host
// multiplies back by 2^80, squares by 2^160). Each thread sums runs of CHUNK values before adding
// them to its running total, which keeps the f32 rounding error near (CHUNK + n/CHUNK) ulp.

const RECORD_HEADER: u32 = 16u;
const LOCAL_BINS: u32 = 1024u;
const CHUNK: u32 = 32u;
const SPLIT_SCALED: f32 = 3.552713678800501e-15; // 2^32 * 2^-80 = 2^-48

struct Params {
  width: u32,          // array width in pixels
  channels: u32,
  head_elements: u32,  // elements before row band_y0 included for 4-byte alignment
  bins: u32,
  int_lo: u32,
  int_span: u32,       // integers in the histogram range (hi - lo + 1)
  float_lo: f32,
  float_hi: f32,
  float_scale: f32,
  record_words: u32,
  tile_count: u32,
  pad0: u32,
  // 2^-80 twice: x * a - shift * b with two distinct runtime values cannot be factored into
  // (x - shift) * 2^-80, which overflows for FLT_MAX - -FLT_MAX (NVIDIA's compiler does factor
  // the constant form).
  big_scale_a: f32,
  big_scale_b: f32,
  pad1: u32,
  pad2: u32,
}

struct TileDesc {
  y: u32,   // first row, relative to the uploaded band
  x: u32,
  h: u32,
  w: u32,
}

@group(0) @binding(0) var<storage, read> data: array<u32>;
@group(0) @binding(1) var<storage, read> tiles: array<TileDesc>;
@group(0) @binding(2) var<storage, read_write> records: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> wg_hist: array<atomic<u32>, LOCAL_BINS>;
// u8 only: how often each of the 256 values occurs; everything else is derived from it.
var<workgroup> wg_values: array<atomic<u32>, 256>;
var<workgroup> wg_min: atomic<u32>;
var<workgroup> wg_max: atomic<u32>;
var<workgroup> wg_nan: atomic<u32>;
var<workgroup> wg_pos_inf: atomic<u32>;
var<workgroup> wg_neg_inf: atomic<u32>;
var<workgroup> wg_below: atomic<u32>;
var<workgroup> wg_above: atomic<u32>;
var<workgroup> wg_first_finite: atomic<u32>;
var<workgroup> wg_pairs: array<vec2<u32>, 256>;
var<workgroup> wg_floats: array<f32, 256>;
var<private> lid_global: u32;

// Raw bits of element `e` of the band (u8/u16 zero-extended, f32 as its bit pattern).
fn load_bits(e: u32) -> u32 {
  if (DTYPE == 0u) {
    return (data[e >> 2u] >> ((e & 3u) * 8u)) & 0xFFu;
  } else if (DTYPE == 1u) {
    return (data[e >> 1u] >> ((e & 1u) * 16u)) & 0xFFFFu;
  }
  return data[e];
}

fn element_index(tile: TileDesc, i: u32, c: u32) -> u32 {
  let row = tile.y + i / tile.w;
  let col = tile.x + i % tile.w;
  return params.head_elements + (row * params.width + col) * params.channels + c;
}

// Order-preserving map of f32 bits to u32 (negative values flip all bits, positive the sign).
fn float_key(bits: u32) -> u32 {
  return select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
}

fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.x + b.x;
  return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

fn count_bin(bin: u32, record: u32, n: u32) {
  if (params.bins <= LOCAL_BINS) {
    atomicAdd(&wg_hist[bin], n);
  } else {
    atomicAdd(&records[record + RECORD_HEADER + bin], n);
  }
}

// Counts n occurrences of integer value v.
fn integer_bin(v: u32, record: u32, n: u32) {
  if (v < params.int_lo) {
    atomicAdd(&wg_below, n);
    return;
  }
  let offset = v - params.int_lo;
  if (offset >= params.int_span) {
    atomicAdd(&wg_above, n);
    return;
  }
  count_bin((offset * params.bins) / params.int_span, record, n);
}

// Full 32x32 -> 64-bit product, from 16-bit halves (WGSL has no u64).
fn mul64(a: u32, b: u32) -> vec2<u32> {
  let a_lo = a & 0xFFFFu;
  let a_hi = a >> 16u;
  let b_lo = b & 0xFFFFu;
  let b_hi = b >> 16u;
  let low = a_lo * b_lo;
  let cross1 = a_hi * b_lo;
  let cross2 = a_lo * b_hi;
  var result = vec2<u32>(low, a_hi * b_hi);
  result = add64(result, vec2<u32>(cross1 << 16u, cross1 >> 16u));
  result = add64(result, vec2<u32>(cross2 << 16u, cross2 >> 16u));
  return result;
}

// Counts the u8 values of channel c of a tile into wg_values. With one channel, a thread reads
// whole words (four pixels) and only division per word, not per pixel, finds its row.
fn count_u8_values(tile: TileDesc, c: u32) {
  if (params.channels == 1u) {
    let words_per_row = (tile.w + 6u) / 4u; // most words w bytes can touch at any alignment
    let total = tile.h * words_per_row;
    for (var j = lid_global; j < total; j += WG) {
      let row = j / words_per_row;
      let e0 = params.head_elements + (tile.y + row) * params.width + tile.x;
      let e1 = e0 + tile.w;
      let word_index = (e0 >> 2u) + (j - row * words_per_row);
      if (word_index > ((e1 - 1u) >> 2u)) { continue; }
      let word = data[word_index];
      for (var b = 0u; b < 4u; b++) {
        let e = word_index * 4u + b;
        if (e >= e0 && e < e1) {
          atomicAdd(&wg_values[(word >> (b * 8u)) & 0xFFu], 1u);
        }
      }
    }
  } else {
    let count = tile.h * tile.w;
    for (var i = lid_global; i < count; i += WG) {
      atomicAdd(&wg_values[load_bits(element_index(tile, i, c))], 1u);
    }
  }
}

fn float_bin(x: f32, record: u32) {
  if (x < params.float_lo) {
    atomicAdd(&wg_below, 1u);
    return;
  }
  if (x > params.float_hi) {
    atomicAdd(&wg_above, 1u);
    return;
  }
  var bin = params.bins - 1u;
  if (x < params.float_hi) {
    let t = (x * 0.5 - params.float_lo * 0.5) * params.float_scale;
    // Comparisons, not min/max, so a NaN or out-of-range t has a defined bin (as on the CPU).
    if (t >= f32(params.bins - 1u)) {
      bin = params.bins - 1u;
    } else if (t > 0.0) {
      bin = u32(t);
    } else {
      bin = 0u;
    }
  }
  count_bin(bin, record, 1u);
}

fn reduce_pairs(lid: u32, value: vec2<u32>) -> vec2<u32> {
  wg_pairs[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      wg_pairs[lid] = add64(wg_pairs[lid], wg_pairs[lid + stride]);
    }
    workgroupBarrier();
  }
  let total = wg_pairs[0];
  workgroupBarrier();
  return total;
}

fn reduce_floats(lid: u32, value: f32) -> f32 {
  wg_floats[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      wg_floats[lid] = wg_floats[lid] + wg_floats[lid + stride];
    }
    workgroupBarrier();
  }
  let total = wg_floats[0];
  workgroupBarrier();
  return total;
}

// Reduces the threads' 64-bit sums and writes them to the record (words 8..11).
fn store_integer_sums(lid: u32, record: u32, sum: vec2<u32>, sum_sq: vec2<u32>) {
  let total_sum = reduce_pairs(lid, sum);
  let total_sq = reduce_pairs(lid, sum_sq);
  if (lid == 0u) {
    atomicStore(&records[record + 8u], total_sum.x);
    atomicStore(&records[record + 9u], total_sum.y);
    atomicStore(&records[record + 10u], total_sq.x);
    atomicStore(&records[record + 11u], total_sq.y);
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  lid_global = lid;
  let tile = tiles[group.x];
  let c = group.y;
  let record = (group.x * params.channels + c) * params.record_words;
  let count = tile.h * tile.w;
  let has_histogram = params.bins > 0u;

  for (var b = lid; b < min(params.bins, LOCAL_BINS); b += WG) {
    atomicStore(&wg_hist[b], 0u);
  }
  for (var v = lid; v < 256u; v += WG) {
    atomicStore(&wg_values[v], 0u);
  }
  if (lid == 0u) {
    atomicStore(&wg_min, 0xFFFFFFFFu);
    atomicStore(&wg_max, 0u);
    atomicStore(&wg_nan, 0u);
    atomicStore(&wg_pos_inf, 0u);
    atomicStore(&wg_neg_inf, 0u);
    atomicStore(&wg_below, 0u);
    atomicStore(&wg_above, 0u);
    atomicStore(&wg_first_finite, 0xFFFFFFFFu);
  }
  workgroupBarrier();

  var local_min = 0xFFFFFFFFu;
  var local_max = 0u;

  if (DTYPE == 2u) {
    // The sums are taken relative to the tile's first finite value (in index order), so the
    // variance does not cancel; the CPU uses the same value. Each thread stops at its first
    // finite element, so this costs one read per thread unless the tile starts with NaN/Inf.
    for (var i = lid; i < count; i += WG) {
      if ((load_bits(element_index(tile, i, c)) & 0x7F800000u) != 0x7F800000u) {
        atomicMin(&wg_first_finite, i);
        break;
      }
    }
    workgroupBarrier();
    let first_finite = atomicLoad(&wg_first_finite);
    var shift = 0.0;
    if (first_finite < count) {
      shift = bitcast<f32>(load_bits(element_index(tile, first_finite, c)));
    }
    let shift_scaled = shift * params.big_scale_b;
    var nan_count = 0u;
    var pos_inf = 0u;
    var neg_inf = 0u;
    var sum_small = 0.0;
    var sum_big = 0.0;
    var sq_small = 0.0;
    var sq_big = 0.0;
    var i = lid;
    loop {
      if (i >= count) { break; }
      var chunk_sum_small = 0.0;
      var chunk_sum_big = 0.0;
      var chunk_sq_small = 0.0;
      var chunk_sq_big = 0.0;
      for (var k = 0u; k < CHUNK && i < count; k++) {
        let bits = load_bits(element_index(tile, i, c));
        i += WG;
        let magnitude = bits & 0x7FFFFFFFu;
        if (magnitude > 0x7F800000u) {
          nan_count += 1u;
          continue;
        }
        if (magnitude == 0x7F800000u) {
          if (bits == 0x7F800000u) {
            pos_inf += 1u;
            if (has_histogram) { atomicAdd(&wg_above, 1u); }
          } else {
            neg_inf += 1u;
            if (has_histogram) { atomicAdd(&wg_below, 1u); }
          }
          continue;
        }
        // Finite. -0 is folded into +0 so every backend reports the same min and max.
        let key = float_key(select(bits, 0u, bits == 0x80000000u));
        local_min = min(local_min, key);
        local_max = max(local_max, key);
        let x = bitcast<f32>(bits);
        // Scaled before subtracting, so x - shift cannot overflow (FLT_MAX - -FLT_MAX).
        let scaled = x * params.big_scale_a - shift_scaled;
        if (abs(scaled) < SPLIT_SCALED) {
          let d = x - shift;
          chunk_sum_small += d;
          chunk_sq_small += d * d;
        } else {
          chunk_sum_big += scaled;
          chunk_sq_big += scaled * scaled;
        }
        if (has_histogram) { float_bin(x, record); }
      }
      sum_small += chunk_sum_small;
      sum_big += chunk_sum_big;
      sq_small += chunk_sq_small;
      sq_big += chunk_sq_big;
    }
    atomicAdd(&wg_nan, nan_count);
    atomicAdd(&wg_pos_inf, pos_inf);
    atomicAdd(&wg_neg_inf, neg_inf);
    let total_sum_small = reduce_floats(lid, sum_small);
    let total_sum_big = reduce_floats(lid, sum_big);
    let total_sq_small = reduce_floats(lid, sq_small);
    let total_sq_big = reduce_floats(lid, sq_big);
    if (lid == 0u) {
      atomicStore(&records[record + 7u], bitcast<u32>(shift));
      atomicStore(&records[record + 12u], bitcast<u32>(total_sum_small));
      atomicStore(&records[record + 13u], bitcast<u32>(total_sum_big));
      atomicStore(&records[record + 14u], bitcast<u32>(total_sq_small));
      atomicStore(&records[record + 15u], bitcast<u32>(total_sq_big));
    }
  } else if (DTYPE == 0u) {
    count_u8_values(tile, c);
    workgroupBarrier();
    var sum = vec2<u32>(0u, 0u);
    var sum_sq = vec2<u32>(0u, 0u);
    for (var v = lid; v < 256u; v += WG) {
      let n = atomicLoad(&wg_values[v]);
      if (n == 0u) { continue; }
      local_min = min(local_min, v);
      local_max = max(local_max, v);
      sum = add64(sum, mul64(n, v));
      sum_sq = add64(sum_sq, mul64(n, v * v));
      if (has_histogram) { integer_bin(v, record, n); }
    }
    store_integer_sums(lid, record, sum, sum_sq);
  } else {
    var sum = vec2<u32>(0u, 0u);
    var sum_sq = vec2<u32>(0u, 0u);
    for (var i = lid; i < count; i += WG) {
      let v = load_bits(element_index(tile, i, c));
      local_min = min(local_min, v);
      local_max = max(local_max, v);
      sum = add64(sum, vec2<u32>(v, 0u));
      sum_sq = add64(sum_sq, vec2<u32>(v * v, 0u)); // v * v < 2^32 for u16
      if (has_histogram) { integer_bin(v, record, 1u); }
    }
    store_integer_sums(lid, record, sum, sum_sq);
  }

  atomicMin(&wg_min, local_min);
  atomicMax(&wg_max, local_max);
  workgroupBarrier();

  if (lid == 0u) {
    atomicStore(&records[record + 0u], atomicLoad(&wg_min));
    atomicStore(&records[record + 1u], atomicLoad(&wg_max));
    atomicStore(&records[record + 2u], atomicLoad(&wg_nan));
    atomicStore(&records[record + 3u], atomicLoad(&wg_pos_inf));
    atomicStore(&records[record + 4u], atomicLoad(&wg_neg_inf));
    atomicStore(&records[record + 5u], atomicLoad(&wg_below));
    atomicStore(&records[record + 6u], atomicLoad(&wg_above));
  }
  if (params.bins <= LOCAL_BINS) {
    for (var b = lid; b < params.bins; b += WG) {
      atomicStore(&records[record + RECORD_HEADER + b], atomicLoad(&wg_hist[b]));
    }
  }
}
