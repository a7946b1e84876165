"""OpenCV's per-tile loop for bench/wasm-vs-c.bench.ts: the same tiles and work, one OpenCV call
per tile and statistic, as a Python user of OpenCV would write it.

    python3 opencv_peer.py KERNEL DTYPE FILE SIZE TILE THREADS REPEATS [ARGS...]
      tile-stats / histogram  ARGS = bins lo hi
      convolve                ARGS = side w0,w1,...   (reflect boundary, f32 output)
      downsample              ARGS = (none: factor 2, mean: INTER_AREA)

Prints {"seconds": the fastest run, "median": ...}. Needs python3-opencv (Debian); the bench skips it when absent.
"""
import json
import statistics
import sys
import time

import cv2
import numpy as np


def main():
    kernel, dtype, path, size, tile, threads, repeats = sys.argv[1:8]
    size, tile, threads, repeats = int(size), int(tile), int(threads), int(repeats)
    args = sys.argv[8:]
    cv2.setNumThreads(threads)
    np_dtype = {"u8": np.uint8, "u16": np.uint16, "f32": np.float32}[dtype]
    image = np.fromfile(path, dtype=np_dtype, count=size * size).reshape(size, size)
    tiles = [(y, x, min(tile, size - y), min(tile, size - x)) for y in range(0, size, tile) for x in range(0, size, tile)]

    if kernel in ("tile-stats", "histogram"):
        bins, lo, hi = int(args[0]), float(args[1]), float(args[2])
        # calcHist's upper bound is exclusive: integers take hi + 1, as tilerun's ranges are inclusive.
        upper = hi + 1 if dtype != "f32" else float(np.nextafter(np.float32(hi), np.float32(np.inf)))
        source = image if dtype != "u16" else image  # calcHist takes u8, u16 and f32 directly

        def run():
            for y, x, h, w in tiles:
                part = source[y : y + h, x : x + w]
                cv2.calcHist([part], [0], None, [bins], [lo, upper])
                if kernel == "tile-stats":
                    cv2.minMaxLoc(part)
                    cv2.sumElems(part)
                    cv2.norm(part, cv2.NORM_L2SQR)

    elif kernel == "convolve":
        side = int(args[0])
        weights = np.array([float(v) for v in args[1].split(",")], dtype=np.float32).reshape(side, side)
        r = side // 2
        # BORDER_REFLECT is tilerun's reflect (d c b a | a b c d); pad once, then filter each tile.
        padded = cv2.copyMakeBorder(image, r, r, r, r, cv2.BORDER_REFLECT)

        def run():
            out = np.empty((size, size), np.float32)
            for y, x, h, w in tiles:
                band = padded[y : y + h + 2 * r, x : x + w + 2 * r]
                out[y : y + h, x : x + w] = cv2.filter2D(band, cv2.CV_32F, weights, borderType=cv2.BORDER_REFLECT)[r : r + h, r : r + w]

    elif kernel == "downsample":

        def run():
            out = np.empty((size // 2, size // 2), np_dtype)
            for y, x, h, w in tiles:
                out[y // 2 : (y + h) // 2, x // 2 : (x + w) // 2] = cv2.resize(image[y : y + h, x : x + w], (w // 2, h // 2), interpolation=cv2.INTER_AREA)

    else:
        raise SystemExit(f"opencv_peer.py: unknown kernel {kernel}")

    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    print(json.dumps({"seconds": min(times), "median": statistics.median(times)}))


main()
