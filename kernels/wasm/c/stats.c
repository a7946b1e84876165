/*
 * Moments of one channel of a region: u16 min, max and exact sums (u64, so a tile's sums stay
 * exact), f32 counts of NaN and infinities, finite min and max, sums of (x - shift) and their
 * squares in f64, and the f32 histogram slots computed with exactly the f32 steps of the reference
 * (kernels/tile-stats/params.ts, Binning).
 */
#include "common.h"

/* Longest run of u16 elements summed in u32 lanes: 2 x 65535 per lane and step, < 2^32. */
#define U16_RUN 16384

/* Vector state of a u16 moments pass: lane-wise min and max, and the squares' two u64x2 sums. */
typedef struct {
  v128_t vmin, vmax, sq0, sq1;
} U16Lanes;

static inline U16Lanes u16_lanes_start(const uint64_t* acc) {
  U16Lanes l = {wasm_u16x8_splat((uint16_t)acc[2]), wasm_u16x8_splat((uint16_t)acc[3]), wasm_i64x2_splat(0), wasm_i64x2_splat(0)};
  return l;
}

/* Moments of n consecutive elements into l (vector part) and acc (sum, sum of squares, min, max). */
static inline void u16_moments_run(const uint16_t* p, uint32_t n, U16Lanes* l, uint64_t* acc) {
  v128_t vmin = l->vmin, vmax = l->vmax, sq0 = l->sq0, sq1 = l->sq1;
  uint64_t sum = acc[0], sumsq = acc[1];
  uint32_t lo = (uint32_t)acc[2], hi = (uint32_t)acc[3];
  uint32_t k = 0;
  while (k + 8 <= n) {
    uint32_t end = n - k > U16_RUN ? k + U16_RUN : n;
    v128_t s = wasm_i32x4_splat(0);
    for (; k + 8 <= end; k += 8) {
      v128_t v = wasm_v128_load(p + k);
      vmin = wasm_u16x8_min(vmin, v);
      vmax = wasm_u16x8_max(vmax, v);
      s = wasm_i32x4_add(s, wasm_u32x4_extadd_pairwise_u16x8(v));
      v128_t l2 = wasm_u32x4_extmul_low_u16x8(v, v);
      v128_t h2 = wasm_u32x4_extmul_high_u16x8(v, v);
      sq0 = wasm_i64x2_add(sq0, wasm_u64x2_extend_low_u32x4(l2));
      sq1 = wasm_i64x2_add(sq1, wasm_u64x2_extend_high_u32x4(l2));
      sq0 = wasm_i64x2_add(sq0, wasm_u64x2_extend_low_u32x4(h2));
      sq1 = wasm_i64x2_add(sq1, wasm_u64x2_extend_high_u32x4(h2));
    }
    sum += (uint64_t)wasm_u32x4_extract_lane(s, 0) + wasm_u32x4_extract_lane(s, 1) + wasm_u32x4_extract_lane(s, 2) +
           wasm_u32x4_extract_lane(s, 3);
  }
  for (; k < n; k++) {
    uint32_t v = p[k];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    sum += v;
    sumsq += v * v; /* < 2^32: a 32-bit product (LLVM vectorises a 64-bit one into i64x2.mul, which V8 emulates) */
  }
  l->vmin = vmin;
  l->vmax = vmax;
  l->sq0 = sq0;
  l->sq1 = sq1;
  acc[0] = sum;
  acc[1] = sumsq;
  acc[2] = lo;
  acc[3] = hi;
}

/* Folds the vector state into acc. */
static inline void u16_lanes_finish(U16Lanes l, uint64_t* acc) {
  uint32_t lo = (uint32_t)acc[2], hi = (uint32_t)acc[3];
  for (int i = 0; i < 8; i++) {
    uint32_t a = wasm_u16x8_extract_lane(l.vmin, 0), b = wasm_u16x8_extract_lane(l.vmax, 0);
    if (a < lo) lo = a;
    if (b > hi) hi = b;
    l.vmin = wasm_i8x16_shuffle(l.vmin, l.vmin, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1);
    l.vmax = wasm_i8x16_shuffle(l.vmax, l.vmax, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1);
  }
  v128_t sq = wasm_i64x2_add(l.sq0, l.sq1);
  acc[1] += wasm_u64x2_extract_lane(sq, 0) + wasm_u64x2_extract_lane(sq, 1);
  acc[2] = lo;
  acc[3] = hi;
}

/* acc = [sum, sum of squares, min, max]; the caller sets min to 65535 and max to 0 first. */
EXPORT(stats_u16)
void stats_u16(const uint16_t* base, uint32_t rows, uint32_t n, uint32_t stride, uint32_t step, uint64_t* acc) {
  U16Lanes l = u16_lanes_start(acc);
  for (uint32_t r = 0; r < rows; r++) {
    const uint16_t* row = base + (uint64_t)r * stride;
    if (step == 1) {
      u16_moments_run(row, n, &l, acc);
      continue;
    }
    for (uint32_t k = 0; k < n; k++) {
      uint32_t v = row[(uint64_t)k * step];
      if (v < acc[2]) acc[2] = v;
      if (v > acc[3]) acc[3] = v;
      acc[0] += v;
      acc[1] += v * v;
    }
  }
  u16_lanes_finish(l, acc);
}

/*
 * stats_u16 and slots_u16 (step 1) for `tiles` side-by-side regions of n elements each, row by row
 * across all of them: where rows are read in place from a large array (kernels/wasm/in-place.ts),
 * each array row is then one sequential read rather than a short run per tile a page apart (see
 * count_u8_tiles), and the slots pass reads the row from L1 right after the moments. Region t's
 * record is at records + t * record_bytes: [sum, sum of squares, min, max] as u64 (stats_u16's
 * acc), then, with a table, two slot arrays of slot_count (slots_u16's). `lanes` is scratch for
 * `tiles` U16Lanes (64 bytes each), 16-byte aligned.
 */
EXPORT(stats_slots_u16_tiles)
void stats_slots_u16_tiles(const uint16_t* base, uint32_t rows, uint32_t n, uint32_t stride, uint32_t tiles, const uint32_t* table,
                           uint8_t* records, uint32_t record_bytes, uint32_t slot_count, U16Lanes* lanes) {
  for (uint32_t t = 0; t < tiles; t++) lanes[t] = u16_lanes_start((const uint64_t*)(records + (uint64_t)t * record_bytes));
  for (uint32_t r = 0; r < rows; r++) {
    const uint16_t* row = base + (uint64_t)r * stride;
    for (uint32_t t = 0; t < tiles; t++) {
      uint64_t* acc = (uint64_t*)(records + (uint64_t)t * record_bytes);
      u16_moments_run(row + (uint64_t)t * n, n, &lanes[t], acc);
      if (table) u16_slots_run(row + (uint64_t)t * n, n, table, (uint32_t*)(acc + 4), slot_count);
    }
  }
  for (uint32_t t = 0; t < tiles; t++) u16_lanes_finish(lanes[t], (uint64_t*)(records + (uint64_t)t * record_bytes));
}

/*
 * f32 (the moments only when `moments` is set; a histogram alone skips them): sums[0..1] += sum of d and d^2, d = x - shift over finite x (f64); minmax[0..1] finite
 * min and max (start at +Inf and -Inf); counts[0..2] += NaN, +Inf, -Inf. With bins > 0,
 * slots[s] += 1 per element, s = 0 below lo (-Inf too), 1 + bin, bins + 1 above hi (+Inf too),
 * bins + 2 NaN, where bin = the reference's f32 floor((x*0.5 - lo_half) * scale) clamped to
 * 0 .. bins-1, and x == hi is the last bin.
 */
EXPORT(stats_f32)
void stats_f32(const float* base, uint32_t rows, uint32_t n, uint32_t stride, uint32_t step, uint32_t moments, double shift,
               uint32_t bins, float lo, float hi, float lo_half, float scale, double* sums, float* minmax, uint32_t* counts,
               uint32_t* slots) {
  const float inf = __builtin_inff();
  const float shift_f = (float)shift; /* the shift is an element of the data: exact in f32 */
  v128_t vinf = wasm_f32x4_splat(inf), vninf = wasm_f32x4_splat(-inf);
  v128_t vshift = wasm_f32x4_splat(shift_f);
  v128_t dshift = wasm_f64x2_splat(shift);
  v128_t vmin = wasm_f32x4_splat(minmax[0]), vmax = wasm_f32x4_splat(minmax[1]);
  v128_t s0 = wasm_f64x2_splat(0), s1 = wasm_f64x2_splat(0), q0 = wasm_f64x2_splat(0), q1 = wasm_f64x2_splat(0);
  v128_t nan_n = wasm_i32x4_splat(0), pinf_n = wasm_i32x4_splat(0), ninf_n = wasm_i32x4_splat(0);
  v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi), vlo_half = wasm_f32x4_splat(lo_half);
  v128_t vscale = wasm_f32x4_splat(scale), vhalf = wasm_f32x4_splat(0.5f);
  v128_t last = wasm_i32x4_splat((int32_t)bins - 1), zero = wasm_i32x4_splat(0), one = wasm_i32x4_splat(1);
  v128_t s_bins = wasm_i32x4_splat((int32_t)bins), s_above = wasm_i32x4_splat((int32_t)bins + 1);
  v128_t s_nan = wasm_i32x4_splat((int32_t)bins + 2);
  double sum = 0, sumsq = 0;
  float mn = minmax[0], mx = minmax[1];
  uint32_t nan = 0, pinf = 0, ninf = 0;
  for (uint32_t r = 0; r < rows; r++) {
    const float* row = base + (uint64_t)r * stride;
    uint32_t k = 0;
    if (step == 1) {
      for (; k + 4 <= n; k += 4) {
        v128_t v = wasm_v128_load(row + k);
        v128_t is_nan = wasm_f32x4_ne(v, v);
        if (moments) {
          v128_t finite = wasm_f32x4_lt(wasm_f32x4_abs(v), vinf);
          v128_t is_pinf = wasm_f32x4_eq(v, vinf);
          v128_t is_ninf = wasm_f32x4_eq(v, vninf);
          nan_n = wasm_i32x4_sub(nan_n, is_nan);
          pinf_n = wasm_i32x4_sub(pinf_n, is_pinf);
          ninf_n = wasm_i32x4_sub(ninf_n, is_ninf);
          vmin = wasm_f32x4_min(vmin, wasm_v128_bitselect(v, vinf, finite));
          vmax = wasm_f32x4_max(vmax, wasm_v128_bitselect(v, vninf, finite));
          v128_t x = wasm_v128_bitselect(v, vshift, finite);
          v128_t d0 = wasm_f64x2_sub(wasm_f64x2_promote_low_f32x4(x), dshift);
          v128_t d1 = wasm_f64x2_sub(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x, x, 2, 3, 0, 1)), dshift);
          s0 = wasm_f64x2_add(s0, d0);
          s1 = wasm_f64x2_add(s1, d1);
          q0 = wasm_f64x2_add(q0, wasm_f64x2_mul(d0, d0));
          q1 = wasm_f64x2_add(q1, wasm_f64x2_mul(d1, d1));
        }
        if (bins) {
          v128_t t = wasm_f32x4_mul(wasm_f32x4_sub(wasm_f32x4_mul(v, vhalf), vlo_half), vscale);
          v128_t bin = wasm_i32x4_min(wasm_i32x4_max(wasm_i32x4_trunc_sat_f32x4(t), zero), last);
          v128_t slot = wasm_i32x4_add(bin, one);
          slot = wasm_v128_bitselect(s_bins, slot, wasm_f32x4_ge(v, vhi));
          slot = wasm_v128_bitselect(s_above, slot, wasm_f32x4_gt(v, vhi));
          slot = wasm_v128_bitselect(zero, slot, wasm_f32x4_lt(v, vlo));
          slot = wasm_v128_bitselect(s_nan, slot, is_nan);
          slots[wasm_i32x4_extract_lane(slot, 0)]++;
          slots[wasm_i32x4_extract_lane(slot, 1)]++;
          slots[wasm_i32x4_extract_lane(slot, 2)]++;
          slots[wasm_i32x4_extract_lane(slot, 3)]++;
        }
      }
    }
    for (; k < n; k++) {
      float v = row[(uint64_t)k * step];
      if (v != v) {
        nan++;
        if (bins) slots[bins + 2]++;
        continue;
      }
      if (v == inf) pinf++;
      else if (v == -inf) ninf++;
      else {
        if (v < mn) mn = v;
        if (v > mx) mx = v;
        double d = (double)v - shift;
        sum += d;
        sumsq += d * d;
      }
      if (bins) {
        uint32_t slot;
        if (v < lo) slot = 0;
        else if (v > hi) slot = bins + 1;
        else if (v >= hi) slot = bins;
        else {
          float t = (v * 0.5f - lo_half) * scale;
          slot = 1 + (t > (float)(bins - 1) ? bins - 1 : t > 0 ? (uint32_t)t : 0);
        }
        slots[slot]++;
      }
    }
  }
  v128_t s = wasm_f64x2_add(s0, s1), q = wasm_f64x2_add(q0, q1);
  sums[0] += sum + wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1);
  sums[1] += sumsq + wasm_f64x2_extract_lane(q, 0) + wasm_f64x2_extract_lane(q, 1);
  for (int i = 0; i < 4; i++) {
    float a = wasm_f32x4_extract_lane(vmin, 0), b = wasm_f32x4_extract_lane(vmax, 0);
    if (a < mn) mn = a;
    if (b > mx) mx = b;
    vmin = wasm_i32x4_shuffle(vmin, vmin, 1, 2, 3, 0);
    vmax = wasm_i32x4_shuffle(vmax, vmax, 1, 2, 3, 0);
  }
  minmax[0] = mn;
  minmax[1] = mx;
  v128_t c = wasm_i32x4_add(wasm_i32x4_shuffle(nan_n, nan_n, 2, 3, 0, 1), nan_n);
  counts[0] += nan + wasm_i32x4_extract_lane(c, 0) + wasm_i32x4_extract_lane(c, 1);
  c = wasm_i32x4_add(wasm_i32x4_shuffle(pinf_n, pinf_n, 2, 3, 0, 1), pinf_n);
  counts[1] += pinf + wasm_i32x4_extract_lane(c, 0) + wasm_i32x4_extract_lane(c, 1);
  c = wasm_i32x4_add(wasm_i32x4_shuffle(ninf_n, ninf_n, 2, 3, 0, 1), ninf_n);
  counts[2] += ninf + wasm_i32x4_extract_lane(c, 0) + wasm_i32x4_extract_lane(c, 1);
}
