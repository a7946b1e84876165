/*
 * Counting kernels: the byte histogram behind u8 tile-stats and u8 histograms (min, max and exact
 * sums follow from the 256 counts), and the slot histogram of u16 data through a value -> slot
 * table (the same table the TypeScript reference uses, so bins are identical).
 */
#include "common.h"

/* One run of n bytes into eight sub-histograms by position (lane = k % 8). */
static inline void count_run8(const uint8_t* p, uint32_t n, uint32_t* counts) {
  uint32_t k = 0;
  /* Byte loads: V8 runs them faster than 64-bit loads and shifts (3.2 vs 2.4 GB/s measured). */
  for (; k + 8 <= n; k += 8) {
    counts[0 * 256 + p[k]]++;
    counts[1 * 256 + p[k + 1]]++;
    counts[2 * 256 + p[k + 2]]++;
    counts[3 * 256 + p[k + 3]]++;
    counts[4 * 256 + p[k + 4]]++;
    counts[5 * 256 + p[k + 5]]++;
    counts[6 * 256 + p[k + 6]]++;
    counts[7 * 256 + p[k + 7]]++;
  }
  for (; k < n; k++) counts[(k & 7) * 256 + p[k]]++;
}

/*
 * counts[(k % lanes) * 256 + value] += 1 for every byte of the region, k its position in its row.
 * lanes is 8 for 1, 2 or 4 channels (lane % channels is the channel) and 3 for 3 channels. Eight
 * sub-histograms break the store-to-load chain on runs of equal bytes.
 */
EXPORT(count_u8)
void count_u8(const uint8_t* base, uint32_t rows, uint32_t n, uint32_t stride, uint32_t lanes, uint32_t* counts) {
  for (uint32_t r = 0; r < rows; r++) {
    const uint8_t* row = base + (uint64_t)r * stride;
    if (lanes == 8) count_run8(row, n, counts);
    else
      for (uint32_t k = 0; k < n; k++) counts[(k % lanes) * 256 + row[k]]++;
  }
}

/*
 * count_u8 for `tiles` side-by-side regions of n bytes each (8 lanes), row by row across all of
 * them: where rows are read in place from a large array (kernels/wasm/in-place.ts), each row is one
 * sequential run for the hardware prefetcher rather than tiles x short runs, one page apart.
 * Region t counts into counts + t * 2048.
 */
EXPORT(count_u8_tiles)
void count_u8_tiles(const uint8_t* base, uint32_t rows, uint32_t n, uint32_t stride, uint32_t tiles, uint32_t* counts) {
  for (uint32_t r = 0; r < rows; r++) {
    const uint8_t* row = base + (uint64_t)r * stride;
    for (uint32_t t = 0; t < tiles; t++) count_run8(row + (uint64_t)t * n, n, counts + t * 2048);
  }
}

/*
 * slots[table[v]] += 1 for one channel of a u16 region (elements `step` apart). Two interleaved
 * slot arrays (slots and slots + slot_count) halve the store-to-load chains on equal values; the
 * caller adds them.
 */
EXPORT(slots_u16)
void slots_u16(const uint16_t* base, uint32_t rows, uint32_t n, uint32_t stride, uint32_t step, const uint32_t* table,
               uint32_t* slots, uint32_t slot_count) {
  for (uint32_t r = 0; r < rows; r++) {
    const uint16_t* row = base + (uint64_t)r * stride;
    if (step == 1) u16_slots_run(row, n, table, slots, slot_count);
    else
      for (uint32_t k = 0; k < n; k++) slots[table[row[(uint64_t)k * step]]]++;
  }
}
