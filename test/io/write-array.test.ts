import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arrayFromElements, elementsOf } from '../../src/array/array-view.js';
import type { DType } from '../../src/array/dtype.js';
import { readInput } from '../../src/io/read-input.js';
import { checkArrayFormat, writeArray } from '../../src/io/write-array.js';
import { temporaryDirectory } from '../support/fixtures.js';

const dir = temporaryDirectory();
afterAll(() => dir.remove());

function sample(dtype: DType, channels: number, i: number): number {
  if (dtype === 'u8') return (i * 37) % 256;
  if (dtype === 'u16') return (i * 4099) % 65536;
  return [Number.NaN, Infinity, -Infinity, -0, 3.4028234663852886e38, 1e-45][i % 6] ?? (i - 20) * 1.25e3 + 0.1 + channels;
}

describe('writeArray: outputs read back exactly', () => {
  const cases: [DType, string, number][] = [];
  for (const channels of [1, 2, 3, 4]) {
    cases.push(['u8', '.npy', channels], ['u16', '.npy', channels], ['f32', '.npy', channels]);
    cases.push(['u8', '.png', channels], ['u16', '.png', channels], ['u8', '.tif', channels], ['u16', '.tif', channels]);
    if (channels !== 2) cases.push(['f32', '.tif', channels]);
  }
  it.each(cases)('%s %s with %i channels', async (dtype, extension, channels) => {
    const view = arrayFromElements(dtype, 5, 7, channels, Array.from({ length: 35 * channels }, (_, i) => sample(dtype, channels, i)));
    const path = join(dir.path, `out-${dtype}-${channels}${extension}`);
    await writeArray(path, view);
    const back = await readInput(path);
    expect([back.dtype, back.height, back.width, back.channels]).toEqual([dtype, 5, 7, channels]);
    expect(Array.from(elementsOf(back))).toEqual(Array.from(elementsOf(view)));
  });

  it('refuses formats that cannot hold the dtype, naming those that can', () => {
    expect(() => checkArrayFormat('x.png', 'f32')).toThrow(/PNG holds u8 or u16 samples but this output is f32: write \.npy, \.tif, \.tiff instead/);
    expect(() => checkArrayFormat('x.jpg', 'u8')).toThrow(/unsupported output format '\.jpg': accepted are \.npy, \.png, \.tif, \.tiff/);
    expect(() => checkArrayFormat('x.tif', 'f32', 2)).toThrow(/2-channel f32.*write \.npy/);
  });

  it('leaves no file behind when encoding fails', async () => {
    const before = readdirSync(dir.path).length;
    const view = arrayFromElements('f32', 2, 2, 1, [1, 2, 3, 4]);
    await expect(writeArray(join(dir.path, 'bad.png'), view)).rejects.toThrow(/PNG holds/);
    expect(existsSync(join(dir.path, 'bad.png'))).toBe(false);
    expect(readdirSync(dir.path).length).toBe(before);
  });
});
