/*
 * convolve: correlation of a padded f32 band with up to 225 taps, summed in f32 in the
 * reference's tap order (row-major, zero weights left out), the way the GPU backends sum; the
 * result stays within the kernel's stated f32 tolerance (kernels/convolve/tolerance.ts) of the
 * f64 reference. Channels are interleaved in the band, so tap (i, j) of element e is band row
 * y + i, element e + j x channels: the caller passes those as offsets.
 */
#include "common.h"

/* Converts n elements of a u8, u16 or f32 row to f32 (exact for every input dtype). */
EXPORT(widen_row)
void widen_row(const void* src, uint32_t dt, uint32_t n, float* dst) {
  uint32_t k = 0;
  if (dt == DT_U8) {
    const uint8_t* s = src;
    for (; k + 16 <= n; k += 16) {
      v128_t v = wasm_v128_load(s + k);
      v128_t lo = wasm_u16x8_extend_low_u8x16(v), hi = wasm_u16x8_extend_high_u8x16(v);
      wasm_v128_store(dst + k, wasm_f32x4_convert_u32x4(wasm_u32x4_extend_low_u16x8(lo)));
      wasm_v128_store(dst + k + 4, wasm_f32x4_convert_u32x4(wasm_u32x4_extend_high_u16x8(lo)));
      wasm_v128_store(dst + k + 8, wasm_f32x4_convert_u32x4(wasm_u32x4_extend_low_u16x8(hi)));
      wasm_v128_store(dst + k + 12, wasm_f32x4_convert_u32x4(wasm_u32x4_extend_high_u16x8(hi)));
    }
    for (; k < n; k++) dst[k] = s[k];
  } else if (dt == DT_U16) {
    const uint16_t* s = src;
    for (; k + 8 <= n; k += 8) {
      v128_t v = wasm_v128_load(s + k);
      wasm_v128_store(dst + k, wasm_f32x4_convert_u32x4(wasm_u32x4_extend_low_u16x8(v)));
      wasm_v128_store(dst + k + 4, wasm_f32x4_convert_u32x4(wasm_u32x4_extend_high_u16x8(v)));
    }
    for (; k < n; k++) dst[k] = s[k];
  } else {
    __builtin_memcpy(dst, src, (uint64_t)n * 4);
  }
}

/* src/array/convert.ts for one f32 value: NaN -> 0, clamp, round half to even. */
static inline void store_one(void* out, uint32_t dt, uint32_t i, float x) {
  if (dt == DT_F32) {
    ((float*)out)[i] = x;
    return;
  }
  float top = dt == DT_U8 ? 255.0f : 65535.0f;
  float v = x != x ? 0 : x <= 0 ? 0 : x >= top ? top : __builtin_rintf(x);
  if (dt == DT_U8) ((uint8_t*)out)[i] = (uint8_t)v;
  else ((uint16_t*)out)[i] = (uint16_t)v;
}

/* Converts n f32 sums to the output dtype: nearest (half to even), NaN -> 0, saturate. */
static void store_row(const float* sums, uint32_t n, uint32_t dt, void* out) {
  uint32_t k = 0;
  if (dt == DT_F32) {
    __builtin_memcpy(out, sums, (uint64_t)n * 4);
    return;
  }
  for (; k + 8 <= n; k += 8) {
    v128_t a = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_v128_load(sums + k)));
    v128_t b = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_v128_load(sums + k + 4)));
    if (dt == DT_U16) {
      wasm_v128_store((uint16_t*)out + k, wasm_u16x8_narrow_i32x4(a, b));
    } else {
      v128_t h = wasm_i16x8_narrow_i32x4(a, b);
      wasm_v128_store64_lane((uint8_t*)out + k, wasm_u8x16_narrow_i16x8(h, h), 0);
    }
  }
  for (; k < n; k++) store_one(out, dt, k, sums[k]);
}

/*
 * out_rows output rows of `elems` elements: row y, element e = sum over taps k of
 * w[k] x band[(y * band_stride) + offset[k] + e], offset[k] = tap row x band_stride + tap column x
 * channels. Rows are converted to out_dt and stored out_stride elements apart. `sums` holds one
 * row of f32 (elems).
 */
EXPORT(convolve_rows)
void convolve_rows(const float* band, uint32_t band_stride, uint32_t out_rows, uint32_t elems, const int32_t* offset,
                   const float* weight, uint32_t taps, uint32_t out_dt, void* out, uint32_t out_stride, float* sums) {
  uint32_t bytes = out_dt == DT_U8 ? 1 : out_dt == DT_U16 ? 2 : 4;
  for (uint32_t y = 0; y < out_rows; y++) {
    const float* origin = band + (uint64_t)y * band_stride;
    uint32_t e = 0;
    for (; e + 16 <= elems; e += 16) {
      v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (uint32_t k = 0; k < taps; k++) {
        const float* p = origin + offset[k] + e;
        v128_t w = wasm_f32x4_splat(weight[k]);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(w, wasm_v128_load(p)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(w, wasm_v128_load(p + 4)));
        a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(w, wasm_v128_load(p + 8)));
        a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(w, wasm_v128_load(p + 12)));
      }
      wasm_v128_store(sums + e, a0);
      wasm_v128_store(sums + e + 4, a1);
      wasm_v128_store(sums + e + 8, a2);
      wasm_v128_store(sums + e + 12, a3);
    }
    for (; e + 4 <= elems; e += 4) {
      v128_t a = wasm_f32x4_splat(0);
      for (uint32_t k = 0; k < taps; k++)
        a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_f32x4_splat(weight[k]), wasm_v128_load(origin + offset[k] + e)));
      wasm_v128_store(sums + e, a);
    }
    for (; e < elems; e++) {
      float a = 0;
      for (uint32_t k = 0; k < taps; k++) a += weight[k] * origin[offset[k] + e];
      sums[e] = a;
    }
    store_row(sums, elems, out_dt, (uint8_t*)out + (uint64_t)y * out_stride * bytes);
  }
}
