/**
 * A one-line progress display on stderr, only when stderr is a terminal (never in pipes, logs
 * or --json runs): tiles done, percentage and throughput.
 */
export function terminalProgress(enabled: boolean): {
  update: (tilesDone: number, tilesTotal: number, bytesDone: number) => void;
  done: () => void;
} {
  const stream = process.stderr;
  if (!enabled || !stream.isTTY) return { update: () => {}, done: () => {} };
  const started = performance.now();
  let lastDraw = 0;
  let drawn = false;
  return {
    update(tilesDone, tilesTotal, bytesDone) {
      const now = performance.now();
      if (now - lastDraw < 100 && tilesDone < tilesTotal) return;
      lastDraw = now;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? bytesDone / seconds / 1e9 : 0;
      const percent = Math.floor((100 * tilesDone) / tilesTotal);
      stream.write(`\r\x1b[2Ktiles ${tilesDone}/${tilesTotal} (${percent}%)  ${rate.toFixed(2)} GB/s`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
