import cliProgress from 'cli-progress';

/** What the batch tells its progress display. */
export interface BatchProgress {
  /** A run of one input reported tiles (cumulative within its pass). */
  tiles(input: string, tilesDone: number, tilesTotal: number, bytesDone: number, pass: number): void;
  /** One input is finished (done, failed or skipped). */
  finished(input: string): void;
  /** Before a line is printed: take the bar off the terminal (it is drawn again on the next update). */
  clear(): void;
  stop(): void;
}

const SILENT: BatchProgress = { tiles: () => {}, finished: () => {}, clear: () => {}, stop: () => {} };

/** One decimal place of GB/s, or MB/s below 0.1 GB/s. */
function rateText(bytesPerSecond: number): string {
  return bytesPerSecond >= 1e8 ? `${(bytesPerSecond / 1e9).toFixed(2)} GB/s` : `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
}

/**
 * A progress bar on stderr (cli-progress), only when stderr is a terminal and --quiet is not
 * given: files done, tiles done, GB/s of input read by kernels, and an ETA. The bar counts files,
 * each in-flight file counting for the share of its current pass done, so the ETA moves smoothly
 * across many small files and one large one alike.
 */
export function batchProgress(enabled: boolean, totalFiles: number): BatchProgress {
  const stream = process.stderr;
  if (!enabled || !stream.isTTY || totalFiles === 0) return SILENT;
  const SCALE = 1000;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {percentage}% | files {files}/{totalFiles} | tiles {tiles} | {rate} | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  const inFlight = new Map<string, { fraction: number; tiles: number; bytes: number; passTiles: number; passBytes: number; pass: number }>();
  let filesDone = 0;
  let tilesFinished = 0;
  let bytesFinished = 0;
  const payload = () => {
    let tiles = tilesFinished;
    let bytes = bytesFinished;
    for (const run of inFlight.values()) {
      tiles += run.tiles + run.passTiles;
      bytes += run.bytes + run.passBytes;
    }
    const seconds = (performance.now() - started) / 1000;
    return { files: filesDone, totalFiles, tiles, rate: seconds > 0 ? rateText(bytes / seconds) : '-' };
  };
  const value = () => {
    let partial = 0;
    for (const run of inFlight.values()) partial += run.fraction;
    return Math.round((filesDone + partial) * SCALE);
  };
  bar.start(totalFiles * SCALE, 0, payload());
  return {
    tiles(input, tilesDone, tilesTotal, bytesDone, pass) {
      let run = inFlight.get(input);
      if (!run) inFlight.set(input, (run = { fraction: 0, tiles: 0, bytes: 0, passTiles: 0, passBytes: 0, pass }));
      if (pass !== run.pass) {
        // A new pass: the last one's counts are kept, this one's start from zero.
        run.tiles += run.passTiles;
        run.bytes += run.passBytes;
        run.pass = pass;
      }
      run.passTiles = tilesDone;
      run.passBytes = bytesDone;
      run.fraction = Math.min(0.99, tilesTotal > 0 ? tilesDone / tilesTotal : 0);
      bar.update(value(), payload());
    },
    finished(input) {
      const run = inFlight.get(input);
      if (run) {
        tilesFinished += run.tiles + run.passTiles;
        bytesFinished += run.bytes + run.passBytes;
        inFlight.delete(input);
      }
      filesDone++;
      bar.update(value(), payload());
    },
    clear() {
      stream.write('\r\x1b[2K');
    },
    stop() {
      bar.stop();
    },
  };
}
