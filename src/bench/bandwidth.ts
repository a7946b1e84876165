/**
 * This machine's memory bandwidth in JavaScript, measured the STREAM way: two Float64Arrays far
 * larger than any cache; "copy" is b.set(a) (counted as the bytes read plus the bytes written, as
 * STREAM counts), "read" sums a (the read-only stream a reduction such as tile-stats is bounded by).
 * One thread: it says what one JS thread can pull from memory; the C probe (bench/peers/stream.c)
 * measures all threads. Each figure is the fastest of the repeats, as STREAM reports.
 */
export interface Bandwidth {
  copy: number;
  read: number;
}

export function jsBandwidth(mebibytes: number, repeats: number): Bandwidth {
  const n = (mebibytes * 1024 * 1024) / 8;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = i & 1023;
  let copy = Infinity;
  let read = Infinity;
  let sink = 0;
  for (let r = -1; r < repeats; r++) {
    const start = performance.now();
    b.set(a);
    const middle = performance.now();
    // Four sums, so the adds' latency does not bound the loop instead of memory.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i += 4) {
      s0 += a[i]!;
      s1 += a[i + 1]!;
      s2 += a[i + 2]!;
      s3 += a[i + 3]!;
    }
    const end = performance.now();
    sink += s0 + s1 + s2 + s3 + b[n >> 1]!;
    if (r < 0) continue; // warm-up: pages touched, the loop compiled
    copy = Math.min(copy, (middle - start) / 1000);
    read = Math.min(read, (end - middle) / 1000);
  }
  if (!(sink > 0)) throw new Error('bandwidth: the sums came out empty');
  const bytes = n * 8;
  return { copy: (2 * bytes) / copy / 1e9, read: bytes / read / 1e9 };
}
