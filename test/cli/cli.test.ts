import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayFromElements } from '../../src/array/array-view.js';
import { encodeNpy } from '../../src/io/npy.js';
import { npyBytes, temporaryDirectory, writeNpy, writePng, writeTiff } from '../support/fixtures.js';
import { skipWebGpu } from '../support/webgpu-required.js';

const launcher = fileURLToPath(new URL('../../bin/tilerun.js', import.meta.url));
const dir = temporaryDirectory();
afterAll(() => dir.remove());

function tilerun(...args: string[]): { code: number; stdout: string; stderr: string } {
  return tilerunWithEnv({}, ...args);
}

function tilerunWithEnv(env: Record<string, string>, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

interface StatsJson {
  array: { dtype: string; height: number; width: number; channels: number };
  grid: { count: number; tileHeight: number };
  whole: { min: number; max: number; sum: number; count: number; histogram: number[] }[];
  tiles: { channels: { sum: number }[] }[];
  devices: { id: string; tiles: number }[];
}

describe('tilerun CLI, end to end', () => {
  let png: string;
  let tiff: string;
  let npy: string;
  let pngData: number[];
  beforeAll(() => {
    png = join(dir.path, 'rgb.png');
    pngData = writePng(png, 40, 70, 3, 8);
    tiff = join(dir.path, 'gray16.tif');
    writeTiff(tiff, 33, 45, 1, 16);
    npy = join(dir.path, 'float.npy');
    writeNpy(npy, arrayFromElements('f32', 30, 20, 1, Array.from({ length: 600 }, (_, i) => (i % 17 === 0 ? Number.NaN : i / 7))));
  });

  it('stats of a PNG: whole-image numbers match the pixels, JSON on stdout', () => {
    const { code, stdout, stderr } = tilerun('stats', png, '--tile', '16', '--devices', 'cpu', '--json');
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as StatsJson;
    expect(result.array).toMatchObject({ dtype: 'u8', height: 40, width: 70, channels: 3 });
    expect(result.grid.count).toBe(3 * 5);
    const red = pngData.filter((_, i) => i % 3 === 0);
    expect(result.whole[0]!.sum).toBe(red.reduce((a, b) => a + b, 0));
    expect(result.whole[0]!.min).toBe(Math.min(...red));
    expect(result.whole[0]!.histogram.reduce((a, b) => a + b, 0)).toBe(40 * 70);
    expect(result.devices).toEqual([expect.objectContaining({ id: 'cpu', tiles: 15 })]);
  });

  it('stats of a 16-bit TIFF writes CSV atomically with --out', () => {
    const out = join(dir.path, 'tiff-stats.csv');
    const { code, stdout, stderr } = tilerun('stats', tiff, '--tile', '10', '--devices', 'cpu', '--out', out);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('Whole array');
    expect(stdout).toContain(`wrote ${out}`);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('tile,row,col,y,x,height,width,channel,count,nan,pos_inf,neg_inf,min,max,sum,sum_sq,mean,std,below,above');
    expect(lines).toHaveLength(1 + 4 * 5 + 1);
    expect(lines.at(-1)).toMatch(/^all,/);
    expect(readdirSync(dir.path).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('stats of a float .npy counts NaN and writes JSON with --out', () => {
    const out = join(dir.path, 'npy-stats.json');
    const { code, stderr } = tilerun('stats', npy, '--devices', 'cpu', '--out', out, '--bins', '10');
    expect(code, stderr).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as StatsJson & { whole: { nanCount: number }[] };
    expect(result.whole[0]!.nanCount).toBe(Math.ceil(600 / 17));
    expect(result.whole[0]!.histogram).toHaveLength(10);
  });

  it.skipIf(skipWebGpu)('gives identical JSON results for --devices cpu, webgpu and cpu,webgpu', () => {
    const results = ['cpu', 'webgpu', 'cpu,webgpu'].map((devices) => {
      const { code, stdout, stderr } = tilerun('stats', tiff, '--tile', '8', '--devices', devices, '--json');
      expect(code, stderr).toBe(0);
      const parsed = JSON.parse(stdout) as StatsJson;
      return { whole: parsed.whole, tiles: parsed.tiles, devices: parsed.devices.map((d) => d.id) };
    });
    expect(results[1]!.whole).toEqual(results[0]!.whole);
    expect(results[1]!.tiles).toEqual(results[0]!.tiles);
    expect(results[2]!.tiles).toEqual(results[0]!.tiles);
    expect(results[1]!.devices).toEqual(['webgpu:vulkan']);
    expect(results[2]!.devices.sort()).toEqual(['cpu', 'webgpu:vulkan']);
  });

  it('lists devices, as text and as JSON', () => {
    const text = tilerun('devices');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/cpu: worker pool, \d+ threads?/);
    const json = tilerun('devices', '--json');
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { cpu: { threads: number }; webgpu: { software: boolean; limits: Record<string, number> }[] };
    expect(report.cpu.threads).toBeGreaterThan(0);
    if (!skipWebGpu) {
      expect(report.webgpu.length).toBeGreaterThan(0);
      expect(report.webgpu[0]!.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    }
  });

  it('runs the demo', () => {
    const saved = join(dir.path, 'sample.npy');
    const { code, stdout, stderr } = tilerun('demo', '--devices', 'cpu', '--save', saved);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/demo sample: 3000x4000x1 u8/);
    expect(stdout).toMatch(/cpu\s+192\s+100%/);
    expect(existsSync(saved)).toBe(true);
  });

  it('exits 3 with what to install when --devices webgpu finds no adapter', () => {
    const out = join(dir.path, 'no-adapter.json');
    const noDriver = { TILERUN_WEBGPU_BACKENDS: 'vulkan', VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' };
    const { code, stderr } = tilerunWithEnv(noDriver, 'stats', npy, '--devices', 'webgpu', '--out', out);
    expect(code, stderr).toBe(3);
    expect(stderr).toMatch(/no WebGPU adapter was found .*install a Vulkan driver/);
    expect(existsSync(out)).toBe(false);
    // auto carries on with the CPU pool and says why WebGPU is missing.
    const auto = tilerunWithEnv(noDriver, 'stats', npy, '--json');
    expect(auto.code, auto.stderr).toBe(0);
    expect((JSON.parse(auto.stdout) as { notes: string[] }).notes.join()).toMatch(/no WebGPU adapter/);
  });

  describe('bad input: a clear message, exit code 2, no output file', () => {
    const out = (): string => join(dir.path, 'should-not-exist.json');
    const cases: [string, () => string[], RegExp][] = [
      ['missing file', () => ['stats', join(dir.path, 'missing.npy')], /missing.npy: no such file/],
      ['truncated .npy', () => ['stats', write('truncated.npy', npyBytes('|u1', '(10, 10)', new Uint8Array(50)))], /truncated .npy data/],
      ['wrong magic', () => ['stats', write('wrong.npy', new TextEncoder().encode('GIF89a not numpy'))], /\\x93NUMPY magic/],
      ['unsupported dtype', () => ['stats', write('int64.npy', npyBytes('<i8', '(2, 2)', new Uint8Array(32)))], /unsupported .npy dtype '<i8'/],
      ['zero-size array', () => ['stats', write('empty.npy', npyBytes('|u1', '(0, 3)'))], /empty/],
      ['--tile 0', () => ['stats', npy, '--tile', '0'], /--tile must be an integer from 1/],
      ['unknown device', () => ['stats', npy, '--devices', 'cpu,tpu'], /unknown device 'tpu'.*accepted are auto, cpu, webgpu/],
      ['unsupported --out format', () => ['stats', npy, '--out', join(dir.path, 'x.xlsx')], /unsupported output format '.xlsx': accepted are .json, .csv/],
      ['unknown flag', () => ['stats', npy, '--tiles', '5'], /unknown option '--tiles'/],
      ['bad --bins', () => ['stats', npy, '--bins', '-3'], /--bins must be an integer from 0 to 65536/],
      ['bad --range', () => ['stats', npy, '--range', '5'], /--range must look like lo:hi/],
      [
        'results too large to keep in memory',
        () => ['stats', write('tiles.npy', encodeNpy(arrayFromElements('u16', 64, 64, 1, new Array(4096).fill(7)))), '--tile', '1', '--bins', '65536'],
        /4096 tiles of tile-stats results would take about 1.0 GiB.*use a larger --tile or fewer --bins/,
      ],
    ];
    function write(name: string, bytes: Uint8Array): string {
      const path = join(dir.path, name);
      writeFileSync(path, bytes);
      return path;
    }
    it('--out naming a directory is refused before the run', () => {
      const directory = join(dir.path, 'a-directory.json');
      mkdirSync(directory);
      for (const target of [directory, join(dir.path, 'new.json') + '/']) {
        const { code, stderr } = tilerun('stats', npy, '--out', target);
        expect(code, stderr).toBe(2);
        expect(stderr).toMatch(/is a directory; give a file name/);
      }
    });

    it('demo --save is not written when another flag is bad, nor into a missing directory', () => {
      const saved = join(dir.path, 'not-saved.npy');
      for (const bad of [['--bins', 'abc'], ['--tile', '0'], ['--threads', '0']]) {
        const { code, stderr } = tilerun('demo', '--save', saved, ...bad);
        expect(code, stderr).toBe(2);
        expect(existsSync(saved)).toBe(false);
      }
      const missing = tilerun('demo', '--save', join(dir.path, 'no-such-dir', 'x.npy'));
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--save .*does not exist or is not writable/);
    });

    for (const [name, args, message] of cases) {
      it(name, () => {
        const { code, stdout, stderr } = tilerun(...args(), ...(args().includes('--out') ? [] : ['--out', out()]));
        expect(code, stdout + stderr).toBe(2);
        expect(stderr).toMatch(message);
        expect(stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
        expect(existsSync(out())).toBe(false);
      });
    }
  });
});
