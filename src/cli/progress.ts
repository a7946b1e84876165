/**
 * A one-line progress display on stderr, only when stderr is a terminal (never in pipes, logs
 * or --json runs): tiles done, percentage and throughput.
 */
export function terminalProgress(enabled: boolean): {
  update: (tilesDone: number, tilesTotal: number, bytesDone: number, pass: number) => void;
  done: () => void;
} {
  const stream = process.stderr;
  if (!enabled || !stream.isTTY) return { update: () => {}, done: () => {} };
  let passStarted = performance.now();
  let currentPass = 1;
  let lastDraw = 0;
  let drawn = false;
  return {
    update(tilesDone, tilesTotal, bytesDone, pass) {
      const now = performance.now();
      if (pass !== currentPass) {
        currentPass = pass;
        passStarted = now;
      }
      if (now - lastDraw < 100 && tilesDone < tilesTotal) return;
      lastDraw = now;
      const seconds = (now - passStarted) / 1000;
      const rate = seconds > 0 ? bytesDone / seconds / 1e9 : 0;
      const percent = Math.floor((100 * tilesDone) / tilesTotal);
      const label = pass > 1 ? `pass ${pass}: ` : '';
      stream.write(`\r\x1b[2K${label}tiles ${tilesDone}/${tilesTotal} (${percent}%)  ${rate.toFixed(2)} GB/s`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
