import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayFromElements } from '../../src/array/array-view.js';
import { npyBytes, temporaryDirectory, writeNpy, writePng } from '../support/fixtures.js';

const launcher = fileURLToPath(new URL('../../bin/tilerun.js', import.meta.url));
const dir = temporaryDirectory();
afterAll(() => dir.remove());

function tilerun(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 120_000, cwd: dir.path });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function u8(height: number, width: number, seed: number) {
  return arrayFromElements('u8', height, width, 1, Array.from({ length: height * width }, (_, i) => (i * 31 + seed * 17 + (i >> 5)) % 256));
}

/** Every file under a directory, relative, sorted. */
function listFiles(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(root, join(prefix, entry.name)) : [join(prefix, entry.name)]))
    .sort();
}

interface Row {
  input: string;
  status: string;
  output: string | null;
  error: string | null;
  height: number | null;
  tiles: number | null;
  devices: string | null;
  result?: { min: number; max: number; sum: number }[];
}

describe('tilerun stats/run over many inputs', () => {
  beforeAll(() => {
    mkdirSync(join(dir.path, 'in/a/deep'), { recursive: true });
    mkdirSync(join(dir.path, 'in/b'), { recursive: true });
    writeNpy(join(dir.path, 'in/a/scan.npy'), u8(70, 90, 1));
    writeNpy(join(dir.path, 'in/b/scan.npy'), u8(50, 40, 2));
    writeNpy(join(dir.path, 'in/a/deep/other.npy'), u8(33, 65, 3));
    writePng(join(dir.path, 'in/a/scan.png'), 20, 30, 1, 8);
    writeFileSync(join(dir.path, 'in/a/notes.txt'), 'not an input');
    // A .npy whose header promises more data than the file holds.
    writeFileSync(join(dir.path, 'in/b/corrupt.npy'), npyBytes('|u1', '(100, 100)', new Uint8Array(10)));
  });

  it('a directory with --recursive: one result per input named after it, same names in different directories kept apart, summaries written', () => {
    const out = join(dir.path, 'out-dir');
    const { code, stdout, stderr } = tilerun('stats', 'in', '--recursive', '--out-dir', out, '--devices', 'cpu', '--tile', '32');
    expect(code, stderr).toBe(4);
    expect(stderr).toContain('in/b/corrupt.npy');
    expect(stderr).toMatch(/1 of 5 inputs failed/);
    // Not a terminal: no progress display, only results.
    expect(stderr).not.toMatch(/\r|ETA|tiles \d/);
    expect(listFiles(out)).toEqual(['.tilerun-manifest.json', 'a/deep/other.json', 'a/scan.json', 'a/scan.png.json', 'b/scan.json', 'summary.csv', 'summary.json']);
    expect(stdout).toMatch(/^ok +in\/a\/scan.npy -> /m);
    expect(stdout).toMatch(/5 inputs: 4 ok, 0 skipped, 1 failed/);
    const single = tilerun('stats', 'in/b/scan.npy', '--devices', 'cpu', '--tile', '32', '--json');
    expect(single.code, single.stderr).toBe(0);
    const fromBatch = JSON.parse(readFileSync(join(out, 'b/scan.json'), 'utf8')) as { whole: unknown; tiles: unknown };
    const alone = JSON.parse(single.stdout) as { whole: unknown; tiles: unknown };
    expect(fromBatch.whole).toEqual(alone.whole);
    expect(fromBatch.tiles).toEqual(alone.tiles);

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { totals: { inputs: number; ok: number; failed: number }; inputs: Row[] };
    expect(summary.totals).toMatchObject({ inputs: 5, ok: 4, failed: 1 });
    // In the order given, a directory's entries sorted by name.
    expect(summary.inputs.map((row) => [row.input, row.status, row.output])).toEqual([
      ['in/a/deep/other.npy', 'ok', 'a/deep/other.json'],
      ['in/a/scan.npy', 'ok', 'a/scan.json'],
      ['in/a/scan.png', 'ok', 'a/scan.png.json'],
      ['in/b/corrupt.npy', 'failed', null],
      ['in/b/scan.npy', 'ok', 'b/scan.json'],
    ]);
    expect(summary.inputs[3]!.error).toMatch(/in\/b\/corrupt.npy: .*(short|truncated|bytes)/i);
    const csv = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('input,status,output,error,dtype,height,width,channels,bytes,tiles,passes,seconds,gigabytesPerSecond,devices');
    expect(csv).toHaveLength(6);
    expect(csv[2]).toMatch(/^in\/a\/scan.npy,ok,a\/scan.json,,u8,70,90,1,6300,9,1,/);
  });

  it('--json prints one line per finished input and nothing else on stdout; without --recursive a directory gives its own files only', () => {
    const out = join(dir.path, 'out-json');
    const { code, stdout, stderr } = tilerun('stats', 'in/a', 'in/b/scan.npy', '--out-dir', out, '--devices', 'cpu', '--json', '--format', 'csv');
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    const rows = stdout.trim().split('\n').map((line) => JSON.parse(line) as Row);
    expect(rows.map((row) => row.input).sort()).toEqual(['in/a/scan.npy', 'in/a/scan.png', 'in/b/scan.npy']);
    expect(rows.every((row) => row.status === 'ok' && row.result!.length === 1)).toBe(true);
    expect(listFiles(out)).toEqual(['.tilerun-manifest.json', 'a/scan.csv', 'a/scan.png.csv', 'b/scan.csv', 'summary.csv', 'summary.json']);
    expect(readFileSync(join(out, 'b/scan.csv'), 'utf8')).toMatch(/^tile,row,col/);
  });

  it('quoted glob patterns, braces and **; a pattern matching nothing is a failed input', () => {
    const out = join(dir.path, 'out-glob');
    const { code, stdout, stderr } = tilerun('stats', 'in/**/*.npy', 'in/{a,b}/*.png', 'in/*.dcm', '--out-dir', out, '--devices', 'cpu', '--json');
    expect(code, stderr).toBe(4);
    const rows = stdout.trim().split('\n').map((line) => JSON.parse(line) as Row);
    expect(rows.map((row) => `${row.input} ${row.status}`).sort()).toEqual([
      'in/*.dcm failed',
      'in/a/deep/other.npy ok',
      'in/a/scan.npy ok',
      'in/a/scan.png ok',
      'in/b/corrupt.npy failed',
      'in/b/scan.npy ok',
    ]);
    expect(rows.find((row) => row.input === 'in/*.dcm')!.error).toContain('matched no files');
  });

  it('--fail-fast stops at the first failed input; the rest are listed as not run', () => {
    const out = join(dir.path, 'out-fail-fast');
    const { code, stderr } = tilerun('stats', 'in/b/corrupt.npy', 'in/a/scan.npy', 'in/b/scan.npy', '--out-dir', out, '--devices', 'cpu', '--jobs', '1', '--fail-fast');
    expect(code).toBe(4);
    expect(stderr).toContain('in/b/corrupt.npy');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { inputs: Row[] };
    expect(summary.inputs.map((row) => row.status)).toEqual(['failed', 'not run', 'not run']);
    expect(existsSync(join(out, 'a/scan.json'))).toBe(false);
  });

  it('run with a map kernel writes one array per input, identical to single runs', () => {
    const out = join(dir.path, 'out-run');
    const { code, stderr } = tilerun('run', 'downsample', 'in/a/scan.npy', 'in/b/scan.npy', '-p', 'factor=3', '-p', 'reduce=max', '--out-dir', out, '--devices', 'cpu', '--tile', '24', '--quiet');
    expect(code, stderr).toBe(0);
    for (const name of ['a', 'b']) {
      const single = join(dir.path, `single-${name}.npy`);
      const alone = tilerun('run', 'downsample', `in/${name}/scan.npy`, '-p', 'factor=3', '-p', 'reduce=max', '--out', single, '--devices', 'cpu');
      expect(alone.code, alone.stderr).toBe(0);
      expect(readFileSync(join(out, `${name}/scan.npy`))).toEqual(readFileSync(single));
    }
  });

  it('on a terminal, a progress bar on stderr (files, tiles, rate, ETA); none with --quiet', () => {
    // util-linux `script` runs the command on a pseudo-terminal, as a person at a terminal would.
    const onTerminal = (quiet: boolean) => {
      const out = join(dir.path, quiet ? 'out-tty-quiet' : 'out-tty');
      const command = `${process.execPath} ${launcher} stats in/a in/b/scan.npy --out-dir ${out} --devices cpu${quiet ? ' --quiet' : ''}`;
      const result = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 120_000, cwd: dir.path });
      expect(result.error, 'util-linux script(1) is needed to test the terminal display').toBeUndefined();
      expect(result.status, result.stdout).toBe(0);
      return result.stdout;
    };
    const shown = onTerminal(false);
    expect(shown).toMatch(/100% \| files 3\/3 \| tiles \d+ \| [\d.]+ [MG]B\/s \| ETA/);
    expect(shown).toContain('3 inputs: 3 ok');
    const quiet = onTerminal(true);
    expect(quiet).not.toContain('ETA');
    expect(quiet).toContain('3 inputs: 3 ok');
  });

  it('refuses what a batch cannot do, before any work, with exit code 2', () => {
    let result = tilerun('stats', 'in/a/scan.npy', 'in/b/scan.npy');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--out-dir');
    result = tilerun('stats', 'in/a', '--out-dir', 'x', '--out', 'y.json');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--out y.json names one result');
    result = tilerun('run', 'downsample', 'in/a', '--out-dir', 'x', '--format', 'bmp');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('accepted are npy, png, tif, tiff');
    result = tilerun('stats', 'in/a/notes.txt', '--out-dir', 'in/a/scan.npy');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is a file');
    expect(existsSync(join(dir.path, 'x'))).toBe(false);
  });

  it('--resume with other options is refused, naming both', () => {
    const out = join(dir.path, 'out-options');
    expect(tilerun('stats', 'in/a', '--out-dir', out, '--devices', 'cpu', '--bins', '16').code).toBe(0);
    const again = tilerun('stats', 'in/a', '--out-dir', out, '--devices', 'cpu', '--bins', '16', '--resume', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim().split('\n').map((line) => (JSON.parse(line) as Row).status)).toEqual(['skipped', 'skipped']);
    const other = tilerun('stats', 'in/a', '--out-dir', out, '--devices', 'cpu', '--bins', '32', '--resume');
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('"bins":16');
    expect(other.stderr).toContain('"bins":32');
  });
});
