/*
 * downsample: one output row of factor x factor blocks, exactly as kernels/downsample/cpu.ts
 * (NaN skipped, infinities in a mean give +-Inf or NaN, integer means summed exactly and rounded
 * half to even). Factor 2 on one-channel data of the same dtype in and out, the common case, has
 * SIMD paths; every other case goes through the scalar block_value, the reference's loop in C.
 */
#include "common.h"

enum { REDUCE_MEAN = 0, REDUCE_MIN = 1, REDUCE_MAX = 2 };

static inline double element(const void* in, uint32_t dt, uint64_t i) {
  if (dt == DT_U8) return ((const uint8_t*)in)[i];
  if (dt == DT_U16) return ((const uint16_t*)in)[i];
  return ((const float*)in)[i];
}

static double block_value(const void* in, uint32_t dt, uint32_t stride, uint32_t rows, uint32_t x0, uint32_t x1, uint32_t C,
                          uint32_t c, uint32_t reduce) {
  const double inf = __builtin_inf();
  double best = __builtin_nan(""), sum = 0;
  uint32_t count = 0;
  int pos = 0, neg = 0;
  for (uint32_t y = 0; y < rows; y++) {
    for (uint32_t x = x0; x < x1; x++) {
      double v = element(in, dt, (uint64_t)y * stride + (uint64_t)x * C + c);
      if (v != v) continue;
      if (best != best || (reduce == REDUCE_MIN && v < best) || (reduce == REDUCE_MAX && v > best)) best = v;
      if (v == inf) pos = 1;
      else if (v == -inf) neg = 1;
      else {
        sum += v;
        count++;
      }
    }
  }
  if (reduce != REDUCE_MEAN) return best;
  if (best != best || (pos && neg)) return __builtin_nan("");
  if (pos) return inf;
  if (neg) return -inf;
  return sum / count;
}

/* src/array/convert.ts: NaN -> 0, clamp, round half to even (f64.nearest) for integers. */
static inline void store(void* out, uint32_t dt, uint64_t i, double x) {
  if (dt == DT_F32) {
    ((float*)out)[i] = (float)x;
    return;
  }
  double top = dt == DT_U8 ? 255 : 65535;
  double v = x != x ? 0 : x <= 0 ? 0 : x >= top ? top : __builtin_rint(x);
  if (dt == DT_U8) ((uint8_t*)out)[i] = (uint8_t)v;
  else ((uint16_t*)out)[i] = (uint16_t)v;
}

/* Mean of 2x2 u8 blocks, 16 outputs per step: sums in u16, s/4 rounded half to even. */
static uint32_t mean2_u8(const uint8_t* r0, const uint8_t* r1, uint32_t blocks, uint8_t* out) {
  uint32_t b = 0;
  const v128_t one = wasm_i16x8_splat(1);
  for (; b + 16 <= blocks; b += 16) {
    v128_t s0 = wasm_i16x8_add(wasm_u16x8_extadd_pairwise_u8x16(wasm_v128_load(r0 + 2 * b)),
                               wasm_u16x8_extadd_pairwise_u8x16(wasm_v128_load(r1 + 2 * b)));
    v128_t s1 = wasm_i16x8_add(wasm_u16x8_extadd_pairwise_u8x16(wasm_v128_load(r0 + 2 * b + 16)),
                               wasm_u16x8_extadd_pairwise_u8x16(wasm_v128_load(r1 + 2 * b + 16)));
    /* round(s / 4) half to even = (s + 1 + ((s >> 2) & 1)) >> 2 */
    s0 = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(s0, one), wasm_v128_and(wasm_u16x8_shr(s0, 2), one)), 2);
    s1 = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(s1, one), wasm_v128_and(wasm_u16x8_shr(s1, 2), one)), 2);
    wasm_v128_store(out + b, wasm_u8x16_narrow_i16x8(s0, s1));
  }
  return b;
}

static uint32_t minmax2_u8(const uint8_t* r0, const uint8_t* r1, uint32_t blocks, uint8_t* out, int want_max) {
  uint32_t b = 0;
  const v128_t low = wasm_i16x8_splat(0xff);
  for (; b + 16 <= blocks; b += 16) {
    v128_t a0 = wasm_v128_load(r0 + 2 * b), a1 = wasm_v128_load(r0 + 2 * b + 16);
    v128_t c0 = wasm_v128_load(r1 + 2 * b), c1 = wasm_v128_load(r1 + 2 * b + 16);
    v128_t m0 = want_max ? wasm_u8x16_max(a0, c0) : wasm_u8x16_min(a0, c0);
    v128_t m1 = want_max ? wasm_u8x16_max(a1, c1) : wasm_u8x16_min(a1, c1);
    v128_t e0 = wasm_v128_and(m0, low), o0 = wasm_u16x8_shr(m0, 8);
    v128_t e1 = wasm_v128_and(m1, low), o1 = wasm_u16x8_shr(m1, 8);
    v128_t p0 = want_max ? wasm_u16x8_max(e0, o0) : wasm_u16x8_min(e0, o0);
    v128_t p1 = want_max ? wasm_u16x8_max(e1, o1) : wasm_u16x8_min(e1, o1);
    wasm_v128_store(out + b, wasm_u8x16_narrow_i16x8(p0, p1));
  }
  return b;
}

static uint32_t mean2_u16(const uint16_t* r0, const uint16_t* r1, uint32_t blocks, uint16_t* out) {
  uint32_t b = 0;
  const v128_t one = wasm_i32x4_splat(1);
  for (; b + 8 <= blocks; b += 8) {
    v128_t s0 = wasm_i32x4_add(wasm_u32x4_extadd_pairwise_u16x8(wasm_v128_load(r0 + 2 * b)),
                               wasm_u32x4_extadd_pairwise_u16x8(wasm_v128_load(r1 + 2 * b)));
    v128_t s1 = wasm_i32x4_add(wasm_u32x4_extadd_pairwise_u16x8(wasm_v128_load(r0 + 2 * b + 8)),
                               wasm_u32x4_extadd_pairwise_u16x8(wasm_v128_load(r1 + 2 * b + 8)));
    s0 = wasm_u32x4_shr(wasm_i32x4_add(wasm_i32x4_add(s0, one), wasm_v128_and(wasm_u32x4_shr(s0, 2), one)), 2);
    s1 = wasm_u32x4_shr(wasm_i32x4_add(wasm_i32x4_add(s1, one), wasm_v128_and(wasm_u32x4_shr(s1, 2), one)), 2);
    wasm_v128_store(out + b, wasm_u16x8_narrow_i32x4(s0, s1));
  }
  return b;
}

static uint32_t minmax2_u16(const uint16_t* r0, const uint16_t* r1, uint32_t blocks, uint16_t* out, int want_max) {
  uint32_t b = 0;
  const v128_t low = wasm_i32x4_splat(0xffff);
  for (; b + 8 <= blocks; b += 8) {
    v128_t a0 = wasm_v128_load(r0 + 2 * b), a1 = wasm_v128_load(r0 + 2 * b + 8);
    v128_t c0 = wasm_v128_load(r1 + 2 * b), c1 = wasm_v128_load(r1 + 2 * b + 8);
    v128_t m0 = want_max ? wasm_u16x8_max(a0, c0) : wasm_u16x8_min(a0, c0);
    v128_t m1 = want_max ? wasm_u16x8_max(a1, c1) : wasm_u16x8_min(a1, c1);
    v128_t e0 = wasm_v128_and(m0, low), o0 = wasm_u32x4_shr(m0, 16);
    v128_t e1 = wasm_v128_and(m1, low), o1 = wasm_u32x4_shr(m1, 16);
    v128_t p0 = want_max ? wasm_u32x4_max(e0, o0) : wasm_u32x4_min(e0, o0);
    v128_t p1 = want_max ? wasm_u32x4_max(e1, o1) : wasm_u32x4_min(e1, o1);
    wasm_v128_store(out + b, wasm_u16x8_narrow_i32x4(p0, p1));
  }
  return b;
}

/*
 * Mean of 2x2 f32 blocks, two per f64x2: per block, the finite values summed in f64 in the
 * reference's order (a b / c d: ((0 + a) + b) + c) + d, a skipped value adding +0, which changes
 * nothing since the sum is never -0), their count, and whether +Inf, -Inf or only NaN were seen.
 * The tests on values are made on the f32 lanes and widened with i64x2.extend: comparing f64
 * lanes led clang to i64x2.shr_s, which x64 lacks and V8 emulates (4x slower, measured).
 */
static inline v128_t per_block_mask(v128_t top, v128_t bottom) {
  v128_t m = wasm_v128_or(top, bottom);                      /* lanes: a0|c0 b0|d0 a1|c1 b1|d1 */
  m = wasm_v128_or(m, wasm_i32x4_shuffle(m, m, 1, 0, 3, 2)); /* lanes 0 and 2: blocks 0 and 1 */
  return wasm_i64x2_extend_low_i32x4(wasm_i32x4_shuffle(m, m, 0, 2, 1, 3));
}

static uint32_t mean2_f32(const float* r0, const float* r1, uint32_t blocks, float* out) {
  uint32_t b = 0;
  const v128_t inf = wasm_f32x4_splat(__builtin_inff()), ninf = wasm_f32x4_splat(-__builtin_inff());
  const v128_t dinf = wasm_f64x2_splat(__builtin_inf()), dninf = wasm_f64x2_splat(-__builtin_inf());
  const v128_t dnan = wasm_f64x2_splat(__builtin_nan("")), zero = wasm_f64x2_splat(0);
  for (; b + 2 <= blocks; b += 2) {
    v128_t top = wasm_v128_load(r0 + 2 * b), bottom = wasm_v128_load(r1 + 2 * b); /* a0 b0 a1 b1, c0 d0 c1 d1 */
    v128_t finite_top = wasm_f32x4_lt(wasm_f32x4_abs(top), inf), finite_bottom = wasm_f32x4_lt(wasm_f32x4_abs(bottom), inf);
    v128_t t = wasm_v128_and(top, finite_top), u = wasm_v128_and(bottom, finite_bottom); /* skipped: +0 */
    v128_t sum = wasm_f64x2_add(zero, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(t, t, 0, 2, 1, 3)));
    sum = wasm_f64x2_add(sum, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(t, t, 1, 3, 0, 2)));
    sum = wasm_f64x2_add(sum, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(u, u, 0, 2, 1, 3)));
    sum = wasm_f64x2_add(sum, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(u, u, 1, 3, 0, 2)));
    v128_t n = wasm_i32x4_sub(wasm_i32x4_sub(wasm_i32x4_splat(0), finite_top), finite_bottom);
    n = wasm_i32x4_add(n, wasm_i32x4_shuffle(n, n, 1, 0, 3, 2));
    v128_t count = wasm_f64x2_convert_low_i32x4(wasm_i32x4_shuffle(n, n, 0, 2, 1, 3));
    v128_t pos = per_block_mask(wasm_f32x4_eq(top, inf), wasm_f32x4_eq(bottom, inf));
    v128_t neg = per_block_mask(wasm_f32x4_eq(top, ninf), wasm_f32x4_eq(bottom, ninf));
    v128_t any = per_block_mask(wasm_f32x4_eq(top, top), wasm_f32x4_eq(bottom, bottom));
    v128_t mean = wasm_f64x2_div(sum, count);
    mean = wasm_v128_bitselect(dninf, mean, neg);
    mean = wasm_v128_bitselect(dinf, mean, pos);
    mean = wasm_v128_bitselect(dnan, mean, wasm_v128_or(wasm_v128_not(any), wasm_v128_and(pos, neg)));
    wasm_v128_store64_lane(out + b, wasm_f32x4_demote_f64x2_zero(mean), 0);
  }
  return b;
}

/*
 * Min or max of 2x2 f32 blocks, four at a time: NaN skipped, the first of equal values (-0, +0)
 * kept, a block of NaN only giving NaN, as the reference's loop over a b / c d does.
 */
static uint32_t minmax2_f32(const float* r0, const float* r1, uint32_t blocks, float* out, int want_max) {
  uint32_t b = 0;
  for (; b + 4 <= blocks; b += 4) {
    v128_t t0 = wasm_v128_load(r0 + 2 * b), t1 = wasm_v128_load(r0 + 2 * b + 4);
    v128_t u0 = wasm_v128_load(r1 + 2 * b), u1 = wasm_v128_load(r1 + 2 * b + 4);
    v128_t values[4] = {
        wasm_i32x4_shuffle(t0, t1, 0, 2, 4, 6),
        wasm_i32x4_shuffle(t0, t1, 1, 3, 5, 7),
        wasm_i32x4_shuffle(u0, u1, 0, 2, 4, 6),
        wasm_i32x4_shuffle(u0, u1, 1, 3, 5, 7),
    };
    v128_t best = values[0];
    for (int k = 1; k < 4; k++) {
      v128_t v = values[k];
      v128_t better = want_max ? wasm_f32x4_gt(v, best) : wasm_f32x4_lt(v, best);
      /* take v where it is better, or where best is still NaN (a NaN v keeps best NaN) */
      best = wasm_v128_bitselect(v, best, wasm_v128_or(better, wasm_f32x4_ne(best, best)));
    }
    wasm_v128_store(out + b, best);
  }
  return b;
}

/*
 * One output row from `rows` (1 .. factor) input rows of `pixels` pixels x C channels, rows
 * `stride` elements apart: ceil(pixels / factor) x C outputs of out_dt.
 */
EXPORT(downsample_row)
void downsample_row(const void* in, uint32_t dt, uint32_t stride, uint32_t rows, uint32_t pixels, uint32_t C, uint32_t factor,
                    uint32_t reduce, uint32_t out_dt, void* out) {
  uint32_t outputs = (pixels + factor - 1) / factor;
  uint32_t done = 0;
  if (factor == 2 && C == 1 && rows == 2 && out_dt == dt) {
    uint32_t full = pixels / 2;
    if (dt == DT_U8) {
      const uint8_t *r0 = in, *r1 = r0 + stride;
      done = reduce == REDUCE_MEAN ? mean2_u8(r0, r1, full, out) : minmax2_u8(r0, r1, full, out, reduce == REDUCE_MAX);
    } else if (dt == DT_U16) {
      const uint16_t *r0 = in, *r1 = r0 + stride;
      done = reduce == REDUCE_MEAN ? mean2_u16(r0, r1, full, out) : minmax2_u16(r0, r1, full, out, reduce == REDUCE_MAX);
    } else {
      const float *r0 = in, *r1 = r0 + stride;
      done = reduce == REDUCE_MEAN ? mean2_f32(r0, r1, full, out) : minmax2_f32(r0, r1, full, out, reduce == REDUCE_MAX);
    }
  }
  for (uint32_t o = done; o < outputs; o++) {
    uint32_t x0 = o * factor, x1 = x0 + factor < pixels ? x0 + factor : pixels;
    for (uint32_t c = 0; c < C; c++) store(out, out_dt, (uint64_t)o * C + c, block_value(in, dt, stride, rows, x0, x1, C, c, reduce));
  }
}
