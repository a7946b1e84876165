import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { arrayFromElements } from '../../src/array/array-view.js';
import { EXPLICIT_LE, writeTestDicom } from '../support/dicom-writer.js';
import { temporaryDirectory, writeNpy } from '../support/fixtures.js';
import { writeTestTiff } from '../support/tiff-writer.js';

const launcher = fileURLToPath(new URL('../../bin/tilerun.js', import.meta.url));
const dir = temporaryDirectory();
afterAll(() => dir.remove());
const file = (name: string) => join(dir.path, name);

function tilerun(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const HEIGHT = 300;
const WIDTH = 211;
const values = Array.from({ length: HEIGHT * WIDTH }, (_, i) => (i * 7919 + 3) % 65536);

describe('large inputs from the command line', () => {
  it('a big-endian raw file with a header, streamed, gives the .npy in-memory run its answer', () => {
    writeNpy(file('a.npy'), arrayFromElements('u16', HEIGHT, WIDTH, 1, values));
    const raw = new DataView(new ArrayBuffer(64 + values.length * 2));
    values.forEach((v, i) => raw.setUint16(64 + i * 2, v, false));
    writeFileSync(file('a.be'), new Uint8Array(raw.buffer));
    const common = ['--devices', 'cpu', '--threads', '2', '--tile', '32', '--json'];
    const memory = tilerun('run', 'tile-stats', file('a.npy'), ...common);
    const streamed = tilerun('run', 'tile-stats', file('a.be'), '--raw', '--shape', `${HEIGHT}x${WIDTH}x1`, '--dtype', 'u16', '--byte-order', 'big', '--offset', '64', '--stream', ...common);
    expect(memory.code, memory.stderr).toBe(0);
    expect(streamed.code, streamed.stderr).toBe(0);
    const m = JSON.parse(memory.stdout) as { whole: unknown; tiles: unknown[]; notes: string[] };
    const s = JSON.parse(streamed.stdout) as { whole: unknown; tiles: unknown[]; notes: string[] };
    expect(s.whole).toEqual(m.whole);
    expect(s.tiles).toEqual(m.tiles);
    expect(s.notes.join('\n')).toMatch(/streamed from disk in 1 band/);
  });

  it('a normalize map of a tiled BigTIFF, streamed to .npy, writes the file the in-memory run writes', () => {
    writeTestTiff(file('big.tif'), [{ dtype: 'u16', height: HEIGHT, width: WIDTH, channels: 1, samples: values }], { bigTiff: true, tile: { width: 64, height: 64 } });
    const common = ['-p', 'op=normalize', '-p', 'dtype=u8', '--devices', 'cpu', '--threads', '2', '--tile', '32'];
    const memory = tilerun('run', 'map', file('big.tif'), ...common, '-o', file('memory.npy'));
    const streamed = tilerun('run', 'map', file('big.tif'), ...common, '--stream', '-o', file('streamed.npy'), '--json');
    expect(memory.code, memory.stderr).toBe(0);
    expect(streamed.code, streamed.stderr).toBe(0);
    expect(readFileSync(file('streamed.npy')).equals(readFileSync(file('memory.npy')))).toBe(true);
    const report = JSON.parse(streamed.stdout) as { output: { path: string; dtype: string; height: number }; passes: number; notes: string[] };
    expect(report.output).toMatchObject({ dtype: 'u8', height: HEIGHT });
    expect(report.passes).toBe(2);
    expect(report.notes).toContain('BigTIFF');
    // No temporary file is left next to the output.
    expect(readdirSync(dir.path).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('stats of a rescaled DICOM says the rescale was applied and gives the rescaled values', () => {
    writeTestDicom(file('ct.dcm'), { syntax: EXPLICIT_LE, rows: 20, columns: 30, bitsAllocated: 16, slope: 2, intercept: -1000, values: Array.from({ length: 600 }, (_, i) => i) });
    const result = tilerun('stats', file('ct.dcm'), '--devices', 'cpu', '--threads', '2', '--bins', '0', '--json');
    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout) as { notes?: string[]; array: { dtype: string } } & Record<string, unknown>;
    expect(result.stdout).toMatch(/rescale slope 2 and intercept -1000 applied/);
    expect(document.array.dtype).toBe('f32');
    expect(result.stdout).toMatch(/"min": ?-1000\b/);
    expect(result.stdout).toMatch(/"max": ?198\b/);
  });

  it('a multi-page TIFF needs --stack or --page; --stack runs the pages as one array', () => {
    const page = { dtype: 'u8' as const, height: 10, width: 12, channels: 1, samples: Array.from({ length: 120 }, (_, i) => i) };
    writeTestTiff(file('pages.tif'), [page, page], { bigTiff: false, rowsPerStrip: 3 });
    const plain = tilerun('stats', file('pages.tif'), '--devices', 'cpu', '--threads', '2');
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/has 2 pages \(pages\): give --stack .* or --page n/);
    const stacked = tilerun('stats', file('pages.tif'), '--stack', '--devices', 'cpu', '--threads', '2', '--json');
    expect(stacked.code, stacked.stderr).toBe(0);
    expect(stacked.stdout).toMatch(/"height": ?20\b/);
    const second = tilerun('stats', file('pages.tif'), '--page', '2', '--devices', 'cpu', '--threads', '2', '--json');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/pages\.tif#page2/);
  });

  it('refuses input flags that do not fit, with the accepted values, before reading anything', () => {
    const cases: [string[], RegExp][] = [
      [['--shape', '10x10'], /--shape describe a raw file: add --raw/],
      [['--raw', '--shape', '10x10', '--dtype', 'i32'], /--dtype must be one of u8, u16, f32, got 'i32'/],
      [['--raw', '--shape', '10by10', '--dtype', 'u8'], /--shape must be HxW or HxWxC/],
      [['--raw', '--dtype', 'u8'], /--raw needs --shape HxWxC and --dtype/],
      [['--raw', '--shape', '10x10x1', '--dtype', 'u8', '--byte-order', 'middle'], /--byte-order must be little or big/],
      [['--raw', '--shape', '301x211', '--dtype', 'u16', '--offset', '64'], /needs 127086 bytes \(64 header \+ 127022 data\), the file has 126664/],
    ];
    for (const [flags, message] of cases) {
      const result = tilerun('stats', file('a.be'), ...flags);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });
});
