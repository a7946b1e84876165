/*
 * Counting kernels: the byte histogram behind u8 tile-stats and u8 histograms (min, max and exact
 * sums follow from the 256 counts), and the slot histogram of u16 data through a value -> slot
 * table (the same table the TypeScript reference uses, so bins are identical).
 */
#include "common.h"

/*
 * counts[(k % lanes) * 256 + value] += 1 for every byte of the region, k its position in its row.
 * lanes is 8 for 1, 2 or 4 channels (lane % channels is the channel) and 3 for 3 channels. Eight
 * sub-histograms break the store-to-load chain on runs of equal bytes; 64-bit loads feed them.
 */
EXPORT(count_u8)
void count_u8(const uint8_t* base, uint32_t rows, uint32_t n, uint32_t stride, uint32_t lanes, uint32_t* counts) {
  for (uint32_t r = 0; r < rows; r++) {
    const uint8_t* row = base + (uint64_t)r * stride;
    uint32_t k = 0;
    if (lanes == 8) {
      for (; k + 16 <= n; k += 16) {
        uint64_t a = load_u64(row + k);
        uint64_t b = load_u64(row + k + 8);
        counts[0 * 256 + (a & 255)]++;
        counts[1 * 256 + ((a >> 8) & 255)]++;
        counts[2 * 256 + ((a >> 16) & 255)]++;
        counts[3 * 256 + ((a >> 24) & 255)]++;
        counts[4 * 256 + ((a >> 32) & 255)]++;
        counts[5 * 256 + ((a >> 40) & 255)]++;
        counts[6 * 256 + ((a >> 48) & 255)]++;
        counts[7 * 256 + (a >> 56)]++;
        counts[0 * 256 + (b & 255)]++;
        counts[1 * 256 + ((b >> 8) & 255)]++;
        counts[2 * 256 + ((b >> 16) & 255)]++;
        counts[3 * 256 + ((b >> 24) & 255)]++;
        counts[4 * 256 + ((b >> 32) & 255)]++;
        counts[5 * 256 + ((b >> 40) & 255)]++;
        counts[6 * 256 + ((b >> 48) & 255)]++;
        counts[7 * 256 + (b >> 56)]++;
      }
      for (; k < n; k++) counts[(k & 7) * 256 + row[k]]++;
    } else {
      for (; k < n; k++) counts[(k % lanes) * 256 + row[k]]++;
    }
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
  uint32_t* slots_b = slots + slot_count;
  for (uint32_t r = 0; r < rows; r++) {
    const uint16_t* row = base + (uint64_t)r * stride;
    uint32_t k = 0;
    if (step == 1) {
      for (; k + 4 <= n; k += 4) {
        uint64_t w = load_u64(row + k);
        slots[table[w & 0xffff]]++;
        slots_b[table[(w >> 16) & 0xffff]]++;
        slots[table[(w >> 32) & 0xffff]]++;
        slots_b[table[w >> 48]]++;
      }
      for (; k < n; k++) slots[table[row[k]]]++;
    } else {
      for (; k < n; k++) slots[table[row[(uint64_t)k * step]]]++;
    }
  }
}
