/*
 * A STREAM-like measure of this machine's memory bandwidth for `tilerun bench`: two arrays of
 * doubles, each MIB mebibytes (far larger than any cache), first touched by the threads that use
 * them; "copy" is b[i] = a[i] (counted as read + write bytes, as STREAM counts), "read" is the sum
 * of a (the read-only stream a reduction kernel is bounded by; `simd` lets the compiler
 * split the sum so the adds do not bound it). Built with -O3 -march=native -fopenmp.
 *
 *   stream MIB THREADS REPEATS
 *
 * Prints {"copy": GB/s, "read": GB/s}, each the fastest of the repeats, as STREAM reports.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: stream MIB THREADS REPEATS\n");
    return 2;
  }
  size_t n = (size_t)atol(argv[1]) * 1024 * 1024 / sizeof(double);
  omp_set_num_threads(atoi(argv[2]));
  int repeats = atoi(argv[3]);
  double* a = malloc(n * sizeof(double));
  double* b = malloc(n * sizeof(double));
  if (!a || !b || n == 0) {
    fprintf(stderr, "stream: cannot allocate 2 x %s MiB\n", argv[1]);
    return 1;
  }
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; i++) a[i] = (double)(i & 1023), b[i] = 0;
  double copy = 1e30, read = 1e30, sink = 0;
  for (int r = -1; r < repeats; r++) { /* r = -1: warm-up */
    double start = now();
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) b[i] = a[i];
    double middle = now();
    double sum = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : sum)
    for (size_t i = 0; i < n; i++) sum += a[i];
    double end = now();
    sink += sum + b[n / 2];
    if (r >= 0) {
      if (middle - start < copy) copy = middle - start;
      if (end - middle < read) read = end - middle;
    }
  }
  double bytes = (double)n * sizeof(double);
  printf("{\"copy\": %.6f, \"read\": %.6f, \"sink\": %.1f}\n", 2 * bytes / copy / 1e9, bytes / read / 1e9, sink > 0 ? 1.0 : 0.0);
  free(a);
  free(b);
  return 0;
}
