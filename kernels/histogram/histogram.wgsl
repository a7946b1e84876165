// histogram: per (tile, channel) counts of `bins` bins, and of values below the range, above it
// and NaN. One workgroup per (tile, channel): workgroup_id.x is the tile's slot in the batch, .y
// the channel. The binning is tile-stats' (kernels/tile-stats/params.ts), so both kernels agree.
//
// The host prepends:
//   const DTYPE: u32;  (0 = u8 packed four to a word, 1 = u16 packed two to a word, 2 = f32 bits)
//   const WG: u32;     (workgroup size, a power of two <= 256)
//
// Output record per (tile, channel), RECORD_HEADER words then `bins` count words:
//   0 below (-Inf included)  1 above (+Inf included)  2 NaN
// Up to LOCAL_BINS bins are counted in workgroup memory and copied out once; more bins do not
// fit, so they are counted with atomics straight into the record (zeroed by the host).

const RECORD_HEADER: u32 = 3u;
const LOCAL_BINS: u32 = 1024u;
// integer_bin's answers for values outside the range.
const BELOW: u32 = 0xFFFFFFFFu;
const ABOVE: u32 = 0xFFFFFFFEu;

struct Params {
  width: u32,          // array width in pixels
  channels: u32,
  head_elements: u32,  // elements before row band_y0 included for 4-byte alignment
  bins: u32,
  int_lo: u32,
  int_span: u32,       // integers in the range (hi - lo + 1)
  float_lo: f32,
  float_hi: f32,
  float_scale: f32,
  record_words: u32,
  pad0: u32,
  pad1: u32,
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
// u8 only: how often each of the 256 values occurs; the bins follow from it.
var<workgroup> wg_values: array<atomic<u32>, 256>;
var<workgroup> wg_below: atomic<u32>;
var<workgroup> wg_above: atomic<u32>;
var<workgroup> wg_nan: atomic<u32>;

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

fn count_bin(bin: u32, record: u32, n: u32) {
  if (params.bins <= LOCAL_BINS) {
    atomicAdd(&wg_hist[bin], n);
  } else {
    atomicAdd(&records[record + RECORD_HEADER + bin], n);
  }
}

// floor((v - lo) * bins / span), or BELOW / ABOVE. (v - lo) * bins < 65536 * 65536 fits u32.
fn integer_bin(v: u32) -> u32 {
  if (v < params.int_lo) {
    return BELOW;
  }
  let offset = v - params.int_lo;
  if (offset >= params.int_span) {
    return ABOVE;
  }
  return (offset * params.bins) / params.int_span;
}

// Counts the u8 values of channel c of a tile into wg_values. With one channel, a thread reads
// whole words (four pixels) and divides once per word, not per pixel, to find its row.
fn count_u8_values(tile: TileDesc, c: u32, lid: u32) {
  if (params.channels == 1u) {
    let words_per_row = (tile.w + 6u) / 4u; // most words w bytes can touch at any alignment
    let total = tile.h * words_per_row;
    for (var j = lid; j < total; j += WG) {
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
    for (var i = lid; i < count; i += WG) {
      atomicAdd(&wg_values[load_bits(element_index(tile, i, c))], 1u);
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tile = tiles[group.x];
  let c = group.y;
  let record = (group.x * params.channels + c) * params.record_words;
  let count = tile.h * tile.w;

  for (var b = lid; b < min(params.bins, LOCAL_BINS); b += WG) {
    atomicStore(&wg_hist[b], 0u);
  }
  for (var v = lid; v < 256u; v += WG) {
    atomicStore(&wg_values[v], 0u);
  }
  if (lid == 0u) {
    atomicStore(&wg_below, 0u);
    atomicStore(&wg_above, 0u);
    atomicStore(&wg_nan, 0u);
  }
  workgroupBarrier();

  // Out-of-range and NaN counts stay in registers until the end: one atomic per thread.
  var below = 0u;
  var above = 0u;
  var nan = 0u;

  if (DTYPE == 0u) {
    count_u8_values(tile, c, lid);
    workgroupBarrier();
    for (var v = lid; v < 256u; v += WG) {
      let n = atomicLoad(&wg_values[v]);
      if (n == 0u) { continue; }
      let bin = integer_bin(v);
      if (bin == BELOW) {
        below += n;
      } else if (bin == ABOVE) {
        above += n;
      } else {
        count_bin(bin, record, n);
      }
    }
  } else if (DTYPE == 1u) {
    for (var i = lid; i < count; i += WG) {
      let bin = integer_bin(load_bits(element_index(tile, i, c)));
      if (bin == BELOW) {
        below += 1u;
      } else if (bin == ABOVE) {
        above += 1u;
      } else {
        count_bin(bin, record, 1u);
      }
    }
  } else {
    let last_bin = params.bins - 1u;
    for (var i = lid; i < count; i += WG) {
      let bits = load_bits(element_index(tile, i, c));
      // NaN by its bits: a float comparison may be folded away by the shader compiler.
      if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {
        nan += 1u;
        continue;
      }
      let x = bitcast<f32>(bits);
      if (x < params.float_lo) {
        below += 1u; // -Inf too
        continue;
      }
      if (x > params.float_hi) {
        above += 1u; // +Inf too
        continue;
      }
      var bin = last_bin;
      if (x < params.float_hi) {
        let t = (x * 0.5 - params.float_lo * 0.5) * params.float_scale;
        // Comparisons, not min/max, so an out-of-range t has a defined bin (as on the CPU).
        if (t >= f32(last_bin)) {
          bin = last_bin;
        } else if (t > 0.0) {
          bin = u32(t);
        } else {
          bin = 0u;
        }
      }
      count_bin(bin, record, 1u);
    }
  }

  atomicAdd(&wg_below, below);
  atomicAdd(&wg_above, above);
  atomicAdd(&wg_nan, nan);
  workgroupBarrier();

  if (lid == 0u) {
    atomicStore(&records[record + 0u], atomicLoad(&wg_below));
    atomicStore(&records[record + 1u], atomicLoad(&wg_above));
    atomicStore(&records[record + 2u], atomicLoad(&wg_nan));
  }
  if (params.bins <= LOCAL_BINS) {
    for (var b = lid; b < params.bins; b += WG) {
      atomicStore(&records[record + RECORD_HEADER + b], atomicLoad(&wg_hist[b]));
    }
  }
}
