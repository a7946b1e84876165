/*
 * What every WebAssembly kernel of tilerun shares. These sources are compiled by
 * scripts/build-wasm.js with clang --target=wasm32 -msimd128 -O3 -nostdlib into one module
 * (kernels/wasm/tilerun-kernels.wasm). No libc: the module owns nothing but its linear memory,
 * which the TypeScript side (kernels/wasm/arena.ts) carves into regions per call.
 *
 * Every function works on a 2-D region of a staged copy of the input: `rows` rows, each `n`
 * elements `step` apart, rows `stride` elements apart. Channels are interleaved, so one channel
 * of a C-channel region is (base + c, step C).
 *
 * Speed notes (V8 on x64, measured): i64x2.mul and i64x2.shr_s have no SSE instruction and are
 * emulated (a 64-bit product or an f64 compare that clang widens with shl/shr_s can make a loop
 * several times slower): keep products in 32 bits and take masks from f32/i32 compares, widened
 * with i64x2.extend. Byte loads beat 64-bit loads and shifts for histogram scatter.
 */
#ifndef TILERUN_COMMON_H
#define TILERUN_COMMON_H
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/* dtype codes shared with kernels/wasm/module.ts */
enum { DT_U8 = 0, DT_U16 = 1, DT_F32 = 2 };

static inline uint32_t load_u32(const void* p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

static inline uint64_t load_u64(const void* p) {
  uint64_t v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

/*
 * slots[table[v]] += 1 for n consecutive u16 elements, alternating between slots and
 * slots + slot_count (two arrays halve the store-to-load chains on equal values; the caller adds them).
 */
static inline void u16_slots_run(const uint16_t* p, uint32_t n, const uint32_t* table, uint32_t* slots, uint32_t slot_count) {
  uint32_t* slots_b = slots + slot_count;
  uint32_t k = 0;
  for (; k + 4 <= n; k += 4) {
    slots[table[p[k]]]++;
    slots_b[table[p[k + 1]]]++;
    slots[table[p[k + 2]]]++;
    slots_b[table[p[k + 3]]]++;
  }
  for (; k < n; k++) slots[table[p[k]]]++;
}

#endif
