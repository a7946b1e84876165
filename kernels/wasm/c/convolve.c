/*
 * convolve: correlation of a padded f64 band with up to 225 taps, exactly as the reference
 * (kernels/convolve/cpu.ts) computes it: per element, sum = 0, then sum += w x v in f64 for each
 * non-zero weight in row-major order (separate multiply and add, as JavaScript rounds them), and
 * one conversion to the output dtype. Two elements per f64x2 lane pair, so every result is
 * bit-identical to the reference's. Channels are interleaved in the band, so tap (i, j) of
 * element e is band row y + i, element e + j x channels: the caller passes those as offsets.
 */
#include "common.h"

/* Converts n elements of a u8, u16 or f32 row to f64 (exact for every input dtype). */
EXPORT(widen_row)
void widen_row(const void* src, uint32_t dt, uint32_t n, double* dst) {
  uint32_t k = 0;
  if (dt == DT_U8) {
    const uint8_t* s = src;
    for (; k + 4 <= n; k += 4) {
      v128_t v = wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(s + k)));
      wasm_v128_store(dst + k, wasm_f64x2_convert_low_u32x4(v));
      wasm_v128_store(dst + k + 2, wasm_f64x2_convert_low_u32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1)));
    }
    for (; k < n; k++) dst[k] = s[k];
  } else if (dt == DT_U16) {
    const uint16_t* s = src;
    for (; k + 4 <= n; k += 4) {
      v128_t v = wasm_u32x4_extend_low_u16x8(wasm_v128_load64_zero(s + k));
      wasm_v128_store(dst + k, wasm_f64x2_convert_low_u32x4(v));
      wasm_v128_store(dst + k + 2, wasm_f64x2_convert_low_u32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1)));
    }
    for (; k < n; k++) dst[k] = s[k];
  } else {
    const float* s = src;
    for (; k + 4 <= n; k += 4) {
      v128_t v = wasm_v128_load(s + k);
      wasm_v128_store(dst + k, wasm_f64x2_promote_low_f32x4(v));
      wasm_v128_store(dst + k + 2, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1)));
    }
    for (; k < n; k++) dst[k] = s[k];
  }
}

/* src/array/convert.ts for one value: f32 rounds to nearest; integers NaN -> 0, clamp, half to even. */
static inline void store_one(void* out, uint32_t dt, uint32_t i, double x) {
  if (dt == DT_F32) {
    ((float*)out)[i] = (float)x;
    return;
  }
  double top = dt == DT_U8 ? 255.0 : 65535.0;
  double v = x != x ? 0 : x <= 0 ? 0 : x >= top ? top : __builtin_rint(x);
  if (dt == DT_U8) ((uint8_t*)out)[i] = (uint8_t)v;
  else ((uint16_t*)out)[i] = (uint16_t)v;
}

/* Converts n f64 sums to the output dtype, four at a time where it can. */
static void store_row(const double* sums, uint32_t n, uint32_t dt, void* out) {
  uint32_t k = 0;
  for (; k + 4 <= n; k += 4) {
    v128_t a = wasm_v128_load(sums + k), b = wasm_v128_load(sums + k + 2);
    if (dt == DT_F32) {
      v128_t f = wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(a), wasm_f32x4_demote_f64x2_zero(b), 0, 1, 4, 5);
      wasm_v128_store((float*)out + k, f);
      continue;
    }
    /* nearest (half to even), then saturating conversions: NaN -> 0, below 0 -> 0, above -> max */
    v128_t ia = wasm_i32x4_trunc_sat_f64x2_zero(wasm_f64x2_nearest(a));
    v128_t ib = wasm_i32x4_trunc_sat_f64x2_zero(wasm_f64x2_nearest(b));
    v128_t i = wasm_i32x4_shuffle(ia, ib, 0, 1, 4, 5);
    if (dt == DT_U16) {
      wasm_v128_store64_lane((uint16_t*)out + k, wasm_u16x8_narrow_i32x4(i, i), 0);
    } else {
      v128_t h = wasm_i16x8_narrow_i32x4(i, i);
      wasm_v128_store32_lane((uint8_t*)out + k, wasm_u8x16_narrow_i16x8(h, h), 0);
    }
  }
  for (; k < n; k++) store_one(out, dt, k, sums[k]);
}

/*
 * out_rows output rows of `elems` elements: row y, element e = sum over taps k of
 * weight[k] x band[y * band_stride + offset[k] + e], in f64. Rows are converted to out_dt and
 * stored out_stride elements apart. `sums` holds one row of f64 (elems).
 */
EXPORT(convolve_rows)
void convolve_rows(const double* band, uint32_t band_stride, uint32_t out_rows, uint32_t elems, const int32_t* offset,
                   const double* weight, uint32_t taps, uint32_t out_dt, void* out, uint32_t out_stride, double* sums) {
  uint32_t bytes = out_dt == DT_U8 ? 1 : out_dt == DT_U16 ? 2 : 4;
  for (uint32_t y = 0; y < out_rows; y++) {
    const double* origin = band + (uint64_t)y * band_stride;
    uint32_t e = 0;
    for (; e + 8 <= elems; e += 8) {
      v128_t a0 = wasm_f64x2_splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (uint32_t k = 0; k < taps; k++) {
        const double* p = origin + offset[k] + e;
        v128_t w = wasm_f64x2_splat(weight[k]);
        a0 = wasm_f64x2_add(a0, wasm_f64x2_mul(w, wasm_v128_load(p)));
        a1 = wasm_f64x2_add(a1, wasm_f64x2_mul(w, wasm_v128_load(p + 2)));
        a2 = wasm_f64x2_add(a2, wasm_f64x2_mul(w, wasm_v128_load(p + 4)));
        a3 = wasm_f64x2_add(a3, wasm_f64x2_mul(w, wasm_v128_load(p + 6)));
      }
      wasm_v128_store(sums + e, a0);
      wasm_v128_store(sums + e + 2, a1);
      wasm_v128_store(sums + e + 4, a2);
      wasm_v128_store(sums + e + 6, a3);
    }
    for (; e < elems; e++) {
      double a = 0;
      for (uint32_t k = 0; k < taps; k++) a += weight[k] * origin[offset[k] + e];
      sums[e] = a;
    }
    store_row(sums, elems, out_dt, (uint8_t*)out + (uint64_t)y * out_stride * bytes);
  }
}
