// The map kernel's element-wise ops (see kernels/map/README.md). The shared prelude
// (kernels/map-support/map-prelude.wgsl) calls compute() once per output element; the numbers
// come from kernels/map/extra.ts through param(i). Non-finite inputs are recognised by their
// bits and handled by explicit branches: WGSL lets a compiler assume no NaN or infinity ever
// reaches arithmetic or comparisons, so none is left to reach them. clamp and threshold compare
// order keys of the bits, not floats: a GPU that flushes subnormals (NVIDIA does) would call
// -1e-45 equal to 0, and those two ops promise identical results everywhere.

fn from_bits(bits: u32) -> f32 {
  return bitcast<f32>(bits);
}

const SIGN_BIT: u32 = 0x80000000u;
const ABS_MASK: u32 = 0x7fffffffu;
const INF_BITS: u32 = 0x7f800000u;
const NAN_BITS: u32 = 0x7fc00000u;

/** +-Inf carrying the given sign bit. */
fn infinity(sign_bit: u32) -> f32 {
  return from_bits(INF_BITS | sign_bit);
}

/** Unsigned keys in the order of the floats they come from, -0 and +0 alike. */
fn order_key(x: f32) -> u32 {
  let bits = bitcast<u32>(x);
  let b = select(bits, 0u, bits == SIGN_BIT);
  return select(b | SIGN_BIT, ~b, (b & SIGN_BIT) != 0u);
}

fn less(a: f32, b: f32) -> bool {
  return order_key(a) < order_key(b);
}

fn affine(x: f32, infinite: bool, sign_bit: u32) -> f32 {
  let scale = param(1u);
  if (infinite) {
    if (scale == 0.0) {
      return from_bits(NAN_BITS);
    }
    return infinity(sign_bit ^ (bitcast<u32>(scale) & SIGN_BIT));
  }
  return x * scale + param(2u);
}

fn clamp_op(x: f32, infinite: bool, sign_bit: u32) -> f32 {
  let has_lo = param(1u) != 0.0;
  let has_hi = param(3u) != 0.0;
  if (infinite) {
    if (sign_bit != 0u) {
      return select(x, param(2u), has_lo);
    }
    return select(x, param(4u), has_hi);
  }
  // Comparisons, not min/max: -0 inside the bounds stays -0, as on the CPU.
  if (has_lo && less(x, param(2u))) {
    return param(2u);
  }
  if (has_hi && less(param(4u), x)) {
    return param(4u);
  }
  return x;
}

fn threshold(x: f32, infinite: bool, sign_bit: u32) -> f32 {
  if (infinite) {
    return select(param(3u), param(2u), sign_bit != 0u);
  }
  return select(param(3u), param(2u), less(x, param(1u)));
}

fn gamma_op(x: f32, infinite: bool, sign_bit: u32) -> f32 {
  // x <= 0 (either zero, negatives, -Inf) gives 0; +Inf stays +Inf.
  if (sign_bit != 0u || bitcast<u32>(x) == 0u) {
    return 0.0;
  }
  if (infinite) {
    return x;
  }
  return param(2u) * pow(x * param(3u), param(1u));
}

fn normalize_op(x: f32, infinite: bool, sign_bit: u32) -> f32 {
  let lo = param(6u);
  let hi = param(10u);
  if (infinite) {
    return select(hi, lo, sign_bit != 0u);
  }
  if (param(1u) != 0.0) {
    return lo;
  }
  // Overflow to +-Inf here (an explicit range far inside the data) is caught by the clamp:
  // a finite bound compared with an infinity from arithmetic still orders correctly.
  let t = (x * param(2u) * param(3u) - param(4u)) * param(5u);
  let y = lo + t * param(7u);
  return min(max(y, param(8u)), param(9u));
}

fn compute(t: TileDesc, oy: u32, ox: u32, c: u32) -> f32 {
  let x = load(t.y + oy, t.x + ox, c);
  let bits = bitcast<u32>(x);
  let magnitude = bits & ABS_MASK;
  if (magnitude > INF_BITS) {
    return from_bits(NAN_BITS);
  }
  let infinite = magnitude == INF_BITS;
  let sign_bit = bits & SIGN_BIT;
  let op = u32(param(0u));
  if (op == 0u) {
    return affine(x, infinite, sign_bit);
  }
  if (op == 1u) {
    return clamp_op(x, infinite, sign_bit);
  }
  if (op == 2u) {
    return threshold(x, infinite, sign_bit);
  }
  if (op == 3u) {
    return gamma_op(x, infinite, sign_bit);
  }
  return normalize_op(x, infinite, sign_bit);
}
