// The downsample kernel (see kernels/downsample/README.md): compute() reduces the factor x
// factor block behind output element (oy, ox, c) of tile t. Numbers (kernels/downsample/extra.ts):
// param(0) factor, param(1) 0 mean / 1 min / 2 max, param(2) 1 where the output dtype is an
// integer. NaN and infinities are recognised by their bits and min/max compare order keys of the
// bits, never floats: WGSL lets a compiler assume no NaN or infinity reaches a comparison, and a
// GPU that flushes subnormals would call them equal to zero.

const SIGN_BIT: u32 = 0x80000000u;
const ABS_MASK: u32 = 0x7fffffffu;
const INF_BITS: u32 = 0x7f800000u;
const NAN_BITS: u32 = 0x7fc00000u;
// f32 blocks sum x * 2^-12: at most 4096 values of at most FLT_MAX cannot overflow.
const SUM_SCALE: f32 = 0.000244140625;
const UNSCALE: f32 = 4096.0;

fn from_bits(bits: u32) -> f32 {
  return bitcast<f32>(bits);
}

/** Unsigned keys in the order of the floats they come from, -0 and +0 alike. */
fn order_key(bits: u32) -> u32 {
  let b = select(bits, 0u, bits == SIGN_BIT);
  return select(b | SIGN_BIT, ~b, (b & SIGN_BIT) != 0u);
}

/** u8 and u16 blocks: exact u32 sums (4096 x 65535 < 2^32) and exact integer min/max. */
fn integer_block(r0: u32, x0: u32, rows: u32, cols: u32, c: u32, op: u32) -> f32 {
  var sum = 0u;
  var lo = 0xffffffffu;
  var hi = 0u;
  for (var dy = 0u; dy < rows; dy++) {
    for (var dx = 0u; dx < cols; dx++) {
      let v = u32(load(r0 + dy, x0 + dx, c));
      sum += v;
      lo = min(lo, v);
      hi = max(hi, v);
    }
  }
  if (op == 1u) {
    return f32(lo);
  }
  if (op == 2u) {
    return f32(hi);
  }
  let n = rows * cols;
  let q = sum / n;
  let r = sum % n;
  if (param(2u) != 0.0) {
    // Integer output: round the exact quotient half to even here; the host's conversion of an
    // integer-valued f32 then changes nothing.
    var m = q;
    if (2u * r > n || (2u * r == n && (q & 1u) == 1u)) {
      m = q + 1u;
    }
    return f32(m);
  }
  return f32(q) + f32(r) / f32(n);
}

fn float_block(r0: u32, x0: u32, rows: u32, cols: u32, c: u32, op: u32) -> f32 {
  var found = false;
  var best = 0.0;
  var best_key = 0u;
  var pos_inf = false;
  var neg_inf = false;
  var count = 0u;
  var total = 0.0;
  var finite_lo = 0.0;
  var finite_hi = 0.0;
  for (var dy = 0u; dy < rows; dy++) {
    // Row by row: a row's rounding errors do not grow with the block's height.
    var row_sum = 0.0;
    for (var dx = 0u; dx < cols; dx++) {
      let v = load(r0 + dy, x0 + dx, c);
      let bits = bitcast<u32>(v);
      let magnitude = bits & ABS_MASK;
      if (magnitude > INF_BITS) {
        continue;
      }
      let key = order_key(bits);
      if (!found || (op == 1u && key < best_key) || (op == 2u && key > best_key)) {
        best = v;
        best_key = key;
      }
      found = true;
      if (magnitude == INF_BITS) {
        if ((bits & SIGN_BIT) != 0u) {
          neg_inf = true;
        } else {
          pos_inf = true;
        }
        continue;
      }
      if (count == 0u || v < finite_lo) {
        finite_lo = v;
      }
      if (count == 0u || v > finite_hi) {
        finite_hi = v;
      }
      row_sum += v * SUM_SCALE;
      count += 1u;
    }
    total += row_sum;
  }
  if (!found || (op == 0u && pos_inf && neg_inf)) {
    return from_bits(NAN_BITS);
  }
  if (op != 0u) {
    return best;
  }
  if (pos_inf) {
    return from_bits(INF_BITS);
  }
  if (neg_inf) {
    return from_bits(INF_BITS | SIGN_BIT);
  }
  // A mean lies between the block's extremes; clamping undoes rounding past them (an overflow
  // to Inf from a block of FLT_MAX, a constant block that comes back one ulp off).
  let mean = total / f32(count) * UNSCALE;
  return min(max(mean, finite_lo), finite_hi);
}

fn compute(t: TileDesc, oy: u32, ox: u32, c: u32) -> f32 {
  let f = u32(param(0u));
  let op = u32(param(1u));
  let r0 = t.y + oy * f;
  let x0 = t.x + ox * f;
  // Partial blocks at the array's bottom and right edges reduce the elements that exist.
  let rows = min(f, params.height - u32(absolute_row(r0)));
  let cols = min(f, params.width - x0);
  if (DTYPE == 2u) {
    return float_block(r0, x0, rows, cols, c, op);
  }
  return integer_block(r0, x0, rows, cols, c, op);
}
