/*
 * The C references for bench/wasm-vs-c.bench.ts: the same per-tile work as tilerun's WebAssembly
 * kernels (kernels/wasm/c), written as plain C for gcc -O3 -march=native -fopenmp to vectorise
 * (at the machine's full vector width) and spread over the same number of threads, tiles
 * dynamically scheduled. Input: a raw file of height x width elements (one channel).
 *
 *   tilerun-ref KERNEL DTYPE FILE SIZE TILE THREADS REPEATS [ARGS...]
 *     tile-stats / histogram  ARGS = bins lo hi          (the prepared binning)
 *     convolve                ARGS = side w0,w1,...     (f32 weights summed in f64 like the
 *                                                       reference, reflect boundary, f32 output)
 *     downsample              ARGS = (none: factor 2, mean, output in the input's dtype)
 *
 * Prints {"seconds": the fastest run, "median": ..., "checksum": ..., "sink": ...}: the checksum (sum of the values, or of the
 * counts, or of the output) lets the bench check that C did the same work.
 */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

enum { U8, U16, F32 };
static int dtype, size, tile, bins;
static double lo, hi;
static void* input;
static double checksum;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* ---- tile-stats and histogram ---- */

typedef struct {
  uint64_t sum, sumsq;
  double fsum, fsumsq, min, max;
  uint32_t counted;
} TileResult;

/* Every result feeds `sink` (printed), so the compiler cannot drop work whose result is unused. */
static double sink;

static void u8_counts(int y0, int x0, int h, int w, uint32_t counts[4][256]) {
  const uint8_t* data = input;
  memset(counts, 0, 4 * 256 * 4);
  for (int y = y0; y < y0 + h; y++) {
    const uint8_t* row = data + (size_t)y * size + x0;
    int x = 0;
    for (; x + 4 <= w; x += 4) {
      uint32_t v;
      memcpy(&v, row + x, 4);
      counts[0][v & 255]++;
      counts[1][(v >> 8) & 255]++;
      counts[2][(v >> 16) & 255]++;
      counts[3][v >> 24]++;
    }
    for (; x < w; x++) counts[0][row[x]]++;
  }
}

static uint32_t* u16_table; /* value -> slot (0 below, 1..bins, bins+1 above) */

static void make_u16_table(void) {
  u16_table = malloc(65536 * 4);
  double span = hi - lo + 1;
  for (int v = 0; v < 65536; v++) {
    if (v < lo) u16_table[v] = 0;
    else if (v - lo >= span) u16_table[v] = bins + 1;
    else u16_table[v] = 1 + (uint32_t)floor((v - lo) * bins / span);
  }
}

static void tile_work(int stats, int y0, int x0, int h, int w, TileResult* r) {
  uint32_t slots[65536 + 3];
  memset(slots, 0, (bins + 3) * 4);
  memset(r, 0, sizeof *r);
  if (dtype == U8) {
    uint32_t counts[4][256];
    u8_counts(y0, x0, h, w, counts);
    for (int v = 0; v < 256; v++) {
      uint32_t n = counts[0][v] + counts[1][v] + counts[2][v] + counts[3][v];
      r->sum += (uint64_t)n * v;
      r->sumsq += (uint64_t)n * v * v;
      if (n && bins) slots[v < lo ? 0 : v > hi ? bins + 1 : 1 + (uint32_t)((v - lo) * bins / (hi - lo + 1))] += n;
    }
  } else if (dtype == U16) {
    const uint16_t* data = input;
    uint32_t mn = 65535, mx = 0;
    uint64_t sum = 0, sumsq = 0;
    for (int y = y0; y < y0 + h; y++) {
      const uint16_t* row = data + (size_t)y * size + x0;
      if (stats) {
        uint32_t s = 0;
        uint64_t q = 0;
        for (int x = 0; x < w; x++) {
          uint32_t v = row[x];
          mn = v < mn ? v : mn;
          mx = v > mx ? v : mx;
          s += v;
          q += (uint64_t)(v * v);
        }
        sum += s;
        sumsq += q;
      }
      if (bins)
        for (int x = 0; x < w; x++) slots[u16_table[row[x]]]++;
    }
    r->sum = sum;
    r->sumsq = sumsq;
    r->min = mn;
    r->max = mx;
  } else {
    const float* data = input;
    const float flo = lo, fhi = hi, lo_half = (float)lo * 0.5f;
    const float scale = (float)bins / ((float)hi * 0.5f - lo_half);
    const double shift = data[(size_t)y0 * size + x0];
    float mn = INFINITY, mx = -INFINITY;
    double sum = 0, sumsq = 0;
    uint32_t nonfinite = 0;
    for (int y = y0; y < y0 + h; y++) {
      const float* row = data + (size_t)y * size + x0;
      if (stats) {
        for (int x = 0; x < w; x++) {
          float v = row[x];
          int finite = fabsf(v) < INFINITY;
          nonfinite += !finite;
          mn = finite && v < mn ? v : mn;
          mx = finite && v > mx ? v : mx;
          double d = finite ? (double)v - shift : 0;
          sum += d;
          sumsq += d * d;
        }
      }
      if (bins) {
        for (int x = 0; x < w; x++) {
          float v = row[x];
          uint32_t slot;
          if (v != v) slot = bins + 2;
          else if (v < flo) slot = 0;
          else if (v > fhi) slot = bins + 1;
          else if (v >= fhi) slot = bins;
          else {
            float t = (v * 0.5f - lo_half) * scale;
            slot = 1 + (t > bins - 1 ? bins - 1 : t > 0 ? (uint32_t)t : 0);
          }
          slots[slot]++;
        }
      }
    }
    r->fsum = sum + shift * (w * h - nonfinite);
    r->fsumsq = sumsq;
    r->min = mn;
    r->max = mx;
  }
  for (int b = 0; b < bins + 2; b++) r->counted += slots[b];
}

static void run_reduction(int stats) {
  int tiles_x = (size + tile - 1) / tile, count = tiles_x * tiles_x;
  TileResult* results = malloc(sizeof(TileResult) * count);
#pragma omp parallel for schedule(dynamic, 1)
  for (int t = 0; t < count; t++) {
    int y0 = t / tiles_x * tile, x0 = t % tiles_x * tile;
    int h = y0 + tile > size ? size - y0 : tile, w = x0 + tile > size ? size - x0 : tile;
    tile_work(stats, y0, x0, h, w, &results[t]);
  }
  checksum = 0;
  for (int t = 0; t < count; t++) {
    checksum += stats ? (dtype == F32 ? results[t].fsum : (double)results[t].sum) : results[t].counted;
    sink += (double)results[t].sumsq + results[t].fsumsq + results[t].min + results[t].max + results[t].counted;
  }
  free(results);
}

/* ---- convolve: reflect boundary, f32 weights, sums in f64 (as tilerun's kernels), f32 output ---- */

static int side;
static double weights[225];

static int reflect(int i, int n) {
  int period = 2 * n, j = ((i % period) + period) % period;
  return j < n ? j : period - 1 - j;
}

/* Columns a .. b-1 of array row `row` as f32 at dst (the in-array part of a padded row). */
static void widen(size_t row, int a, int b, double* dst) {
  if (dtype == U8)
    for (int x = a; x < b; x++) dst[x - a] = ((uint8_t*)input)[row + x];
  else if (dtype == U16)
    for (int x = a; x < b; x++) dst[x - a] = ((uint16_t*)input)[row + x];
  else
    for (int x = a; x < b; x++) dst[x - a] = ((float*)input)[row + x];
}

static void convolve_tile(int y0, int x0, int h, int w, float* out) {
  int r = side / 2, pw = w + 2 * r, ph = h + 2 * r;
  /* Per-thread buffers kept across tiles (as the WASM arena is): no page faults per tile. */
  static __thread double *band, *acc;
  static __thread size_t capacity;
  if ((size_t)pw * ph > capacity) {
    free(band);
    free(acc);
    capacity = (size_t)pw * ph;
    band = malloc(sizeof(double) * capacity);
    acc = malloc(sizeof(double) * pw);
  }
  double edge[16];
  int a = x0 - r < 0 ? 0 : x0 - r, b = x0 + w + r > size ? size : x0 + w + r;
  for (int y = 0; y < ph; y++) {
    size_t row = (size_t)reflect(y0 - r + y, size) * size;
    double* dst = band + (size_t)y * pw;
    widen(row, a, b, dst + (a - (x0 - r)));
    for (int x = x0 - r; x < a; x++) widen(row, reflect(x, size), reflect(x, size) + 1, edge), dst[x - (x0 - r)] = edge[0];
    for (int x = b; x < x0 + w + r; x++) widen(row, reflect(x, size), reflect(x, size) + 1, edge), dst[x - (x0 - r)] = edge[0];
  }
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) acc[x] = 0;
    for (int i = 0; i < side; i++)
      for (int j = 0; j < side; j++) {
        double wt = weights[i * side + j];
        if (wt == 0) continue;
        const double* src = band + (y + i) * pw + j;
        for (int x = 0; x < w; x++) acc[x] += wt * src[x];
      }
    float* dst = out + (size_t)(y0 + y) * size + x0;
    for (int x = 0; x < w; x++) dst[x] = (float)acc[x];
  }
}

/* ---- downsample: factor 2 mean, rounded half to even for integers ---- */

static void downsample_tile(int y0, int x0, int h, int w, void* out) {
  int ow = size / 2;
  for (int oy = y0 / 2; oy < (y0 + h) / 2; oy++) {
    if (dtype == U8 || dtype == U16) {
      for (int ox = x0 / 2; ox < (x0 + w) / 2; ox++) {
        size_t i = (size_t)2 * oy * size + 2 * ox;
        uint32_t s = dtype == U8 ? (uint32_t)((uint8_t*)input)[i] + ((uint8_t*)input)[i + 1] + ((uint8_t*)input)[i + size] + ((uint8_t*)input)[i + size + 1]
                                 : (uint32_t)((uint16_t*)input)[i] + ((uint16_t*)input)[i + 1] + ((uint16_t*)input)[i + size] + ((uint16_t*)input)[i + size + 1];
        uint32_t m = (s + 1 + ((s >> 2) & 1)) >> 2;
        if (dtype == U8) ((uint8_t*)out)[(size_t)oy * ow + ox] = m;
        else ((uint16_t*)out)[(size_t)oy * ow + ox] = m;
      }
    } else {
      const float* in = input;
      for (int ox = x0 / 2; ox < (x0 + w) / 2; ox++) {
        size_t i = (size_t)2 * oy * size + 2 * ox;
        float v[4] = {in[i], in[i + 1], in[i + size], in[i + size + 1]};
        double sum = 0;
        int count = 0, pos = 0, neg = 0, any = 0;
        for (int k = 0; k < 4; k++) {
          if (v[k] != v[k]) continue;
          any = 1;
          if (v[k] == INFINITY) pos = 1;
          else if (v[k] == -INFINITY) neg = 1;
          else sum += v[k], count++;
        }
        ((float*)out)[(size_t)oy * ow + ox] = !any || (pos && neg) ? NAN : pos ? INFINITY : neg ? -INFINITY : (float)(sum / count);
      }
    }
  }
}

/*
 * FRESH_OUTPUT=1 (the bench's default): new zeroed pages for the output of every run (mmap, so
 * malloc cannot hand back the last run's pages), as tilerun's run() allocates a new
 * SharedArrayBuffer: both pay its first-touch page faults. FRESH_OUTPUT=0 reuses one buffer.
 */
static void* kept_output;

static void run_map(int convolve) {
  int tiles_x = (size + tile - 1) / tile, count = tiles_x * tiles_x;
  size_t bytes = convolve ? (size_t)size * size * 4 : (size_t)(size / 2) * (size / 2) * (dtype == U8 ? 1 : dtype == U16 ? 2 : 4);
  const char* fresh = getenv("FRESH_OUTPUT");
  int reuse = fresh && !strcmp(fresh, "0");
  if (reuse && !kept_output) kept_output = calloc(bytes, 1);
  void* out = reuse ? kept_output : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (out == MAP_FAILED) {
    perror("tilerun-ref: mmap");
    exit(1);
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (int t = 0; t < count; t++) {
    int y0 = t / tiles_x * tile, x0 = t % tiles_x * tile;
    int h = y0 + tile > size ? size - y0 : tile, w = x0 + tile > size ? size - x0 : tile;
    if (convolve) convolve_tile(y0, x0, h, w, out);
    else downsample_tile(y0, x0, h, w, out);
  }
  checksum = 0;
  size_t n = convolve ? (size_t)size * size : (size_t)(size / 2) * (size / 2);
  for (size_t i = 0; i < n; i += 997) checksum += convolve || dtype == F32 ? ((float*)out)[i] : dtype == U8 ? ((uint8_t*)out)[i] : ((uint16_t*)out)[i];
  if (!reuse) munmap(out, bytes);
}

static int compare(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: tilerun-ref KERNEL DTYPE FILE SIZE TILE THREADS REPEATS [ARGS...]\n");
    return 2;
  }
  const char* kernel = argv[1];
  dtype = !strcmp(argv[2], "u8") ? U8 : !strcmp(argv[2], "u16") ? U16 : F32;
  size = atoi(argv[4]);
  tile = atoi(argv[5]);
  omp_set_num_threads(atoi(argv[6]));
  int repeats = atoi(argv[7]);
  size_t bytes = (size_t)size * size * (dtype == U8 ? 1 : dtype == U16 ? 2 : 4);
  input = malloc(bytes);
  FILE* f = fopen(argv[3], "rb");
  if (!f || fread(input, 1, bytes, f) != bytes) {
    fprintf(stderr, "tilerun-ref: cannot read %zu bytes from %s\n", bytes, argv[3]);
    return 1;
  }
  fclose(f);
  int which = !strcmp(kernel, "tile-stats") ? 0 : !strcmp(kernel, "histogram") ? 1 : !strcmp(kernel, "convolve") ? 2 : 3;
  if (which <= 1) {
    bins = atoi(argv[8]);
    lo = atof(argv[9]);
    hi = atof(argv[10]);
    if (dtype == U16) make_u16_table();
  } else if (which == 2) {
    side = atoi(argv[8]);
    char* text = argv[9];
    for (int k = 0; k < side * side; k++) weights[k] = strtof(text, &text), text += *text == ',';
  }
  double times[64];
  if (repeats > 64) repeats = 64;
  for (int r = -1; r < repeats; r++) { /* r = -1: warm-up */
    double start = now();
    if (which <= 1) run_reduction(which == 0);
    else run_map(which == 2);
    if (r >= 0) times[r] = now() - start;
  }
  qsort(times, repeats, sizeof(double), compare);
  printf("{\"seconds\": %.9f, \"median\": %.9f, \"checksum\": %.17g, \"sink\": %.17g}\n", times[0], times[repeats / 2], checksum,
         sink == sink && sink - sink == 0 ? sink : 0);
  return 0;
}
