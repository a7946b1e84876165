import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bench = fileURLToPath(new URL('../../dist/bench/wasm-vs-c.bench.js', import.meta.url));

interface Row {
  case: string;
  wasm: number;
  js: number;
  c: number | null;
  pairedRatio: number | null;
  wasmSplit: number;
  wasmOneThread: number;
  check: string;
}

describe('npm run bench:wasm', () => {
  it('times the WASM pool, its threads without run(), the JS pool and C side by side on a tiny input, and C agrees with tilerun', () => {
    const result = spawnSync(process.execPath, [bench, '--size', '96', '--tile', '32', '--repeats', '2', '--threads', '2', '--cases', 'tile-stats-u8,downsample-u16', '--json'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout) as { size: number; threads: number; c: string; rows: Row[] };
    expect(document).toMatchObject({ size: 96, threads: 2 });
    expect(document.rows.map((row) => row.case)).toEqual(['tile-stats-u8', 'downsample-u16']);
    for (const row of document.rows) {
      for (const figure of [row.wasm, row.js, row.wasmSplit, row.wasmOneThread]) expect(figure, row.case).toBeGreaterThan(0);
      if (row.c === null) {
        // No C compiler: the document says why, and there is nothing to pair.
        expect(document.c).toMatch(/no C compiler|could not build/);
        expect(row.pairedRatio).toBeNull();
      } else {
        expect(row.pairedRatio, row.case).toBeGreaterThan(0);
        expect(row.check, row.case).toBe('same');
      }
    }
  });
});
