"""dask's version of the job for `tilerun bench`: the image as a dask array chunked by tile, one
task per chunk on dask's threaded scheduler with THREADS workers, as a dask user would write it.

    python3 dask_peer.py KERNEL DTYPE FILE SIZE TILE THREADS REPEATS [ARGS...]
      tile-stats / histogram  ARGS = bins lo hi   (tilerun's prepared binning, range inclusive)
      downsample              (factor 2, mean: dask.array.coarsen, rounded half to even)

Prints {"seconds": the fastest run, "median": ..., "checksum": ...} (see numpy_peer.py for the
checksum). Needs python3-dask (Debian); `tilerun bench` skips it when absent.
"""
import json
import statistics
import sys
import time

import dask
import dask.array as da
import numpy as np


def main():
    kernel, dtype, path, size, tile, threads, repeats = sys.argv[1:8]
    size, tile, threads, repeats = int(size), int(tile), int(threads), int(repeats)
    args = sys.argv[8:]
    np_dtype = {"u8": np.uint8, "u16": np.uint16, "f32": np.float32}[dtype]
    image = np.fromfile(path, dtype=np_dtype, count=size * size).reshape(size, size)
    array = da.from_array(image, chunks=(tile, tile))
    result = {}

    if kernel in ("tile-stats", "histogram"):
        bins, lo, hi = int(args[0]), float(args[1]), float(args[2])
        upper = hi + 1 if dtype != "f32" else hi

        def block_stats(part):
            counts, _ = np.histogram(part, bins=bins, range=(lo, upper))
            if kernel == "histogram":
                return float(counts.sum()) + float(np.count_nonzero(part < lo)) + float(np.count_nonzero(part > hi))
            wide = part.astype(np.float64) if dtype == "f32" else part.astype(np.uint64)
            return (part.min(), part.max(), float(wide.sum()), float((wide * wide).sum()), counts)

        def run():
            tasks = [dask.delayed(block_stats)(block) for block in array.to_delayed().ravel()]
            per_tile = dask.compute(*tasks, scheduler="threads", num_workers=threads)
            result["checksum"] = sum(t if kernel == "histogram" else t[2] for t in per_tile)

    elif kernel == "downsample":

        def run():
            means = da.coarsen(np.mean, array.astype(np.float64), {0: 2, 1: 2})
            out = means if dtype == "f32" else da.rint(means)
            out = out.astype(np_dtype).compute(scheduler="threads", num_workers=threads)
            result["checksum"] = float(out.ravel()[::997].astype(np.float64).sum())

    else:
        raise SystemExit(f"dask_peer.py: no {kernel} peer (accepted: tile-stats, histogram, downsample)")

    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    print(json.dumps({"seconds": min(times), "median": statistics.median(times), **result}))


main()
