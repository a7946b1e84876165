# Named *_peer.py: a script named numpy.py would shadow the numpy it imports.
"""numpy's per-tile loop for `tilerun bench`: the same tiles and work, written as a numpy user would.

    python3 numpy_peer.py KERNEL DTYPE FILE SIZE TILE THREADS REPEATS [ARGS...]
      tile-stats / histogram  ARGS = bins lo hi   (tilerun's prepared binning, range inclusive)
      downsample              (factor 2, mean, rounded half to even into the input's dtype)

numpy runs on one thread (THREADS is accepted for a common command line and ignored).
Prints {"seconds": the fastest run, "median": ..., "checksum": ...}; the checksum is the sum of
the values (tile-stats), of the counts (histogram) or of every 997th output element
(downsample), as the C reference prints it. Needs python3-numpy; `tilerun bench` skips it when absent.
"""
import json
import statistics
import sys
import time

import numpy as np


def main():
    kernel, dtype, path, size, tile, _threads, repeats = sys.argv[1:8]
    size, tile, repeats = int(size), int(tile), int(repeats)
    args = sys.argv[8:]
    np_dtype = {"u8": np.uint8, "u16": np.uint16, "f32": np.float32}[dtype]
    image = np.fromfile(path, dtype=np_dtype, count=size * size).reshape(size, size)
    tiles = [(y, x, min(tile, size - y), min(tile, size - x)) for y in range(0, size, tile) for x in range(0, size, tile)]
    result = {}

    if kernel in ("tile-stats", "histogram"):
        bins, lo, hi = int(args[0]), float(args[1]), float(args[2])
        # Integer ranges are inclusive: hi + 1 is the right edge of the last bin, as in tilerun.
        upper = hi + 1 if dtype != "f32" else hi

        def run():
            total = 0.0
            for y, x, h, w in tiles:
                part = image[y : y + h, x : x + w]
                counts, _ = np.histogram(part, bins=bins, range=(lo, upper))
                if kernel == "tile-stats":
                    wide = part.astype(np.float64) if dtype == "f32" else part.astype(np.uint64)
                    part.min(), part.max()
                    total += float(wide.sum())
                    (wide * wide).sum()
                else:
                    total += float(counts.sum()) + float(np.count_nonzero(part < lo)) + float(np.count_nonzero(part > hi))
            result["checksum"] = total

    elif kernel == "downsample":

        def run():
            out = np.empty((size // 2, size // 2), np_dtype)
            for y, x, h, w in tiles:
                block = image[y : y + h, x : x + w].astype(np.float64).reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
                out[y // 2 : (y + h) // 2, x // 2 : (x + w) // 2] = block if dtype == "f32" else np.rint(block)
            result["checksum"] = float(out.ravel()[::997].astype(np.float64).sum())

    else:
        raise SystemExit(f"numpy_peer.py: no {kernel} peer (accepted: tile-stats, histogram, downsample)")

    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    print(json.dumps({"seconds": min(times), "median": statistics.median(times), **result}))


main()
