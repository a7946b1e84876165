import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { elementsOf } from '../../src/array/array-view.js';
import { openInputs, type InputChoices } from '../../src/io/open-input.js';
import { loadWhole, readBand } from '../../src/io/row-source.js';
import { EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, JPEG_BASELINE, writeTestDicom } from '../support/dicom-writer.js';
import { npyBytes, temporaryDirectory } from '../support/fixtures.js';
import { writeTestTiff } from '../support/tiff-writer.js';

const dir = temporaryDirectory();
afterAll(() => dir.remove());
const file = (name: string) => join(dir.path, name);
const plain: InputChoices = { stack: false };

async function valuesOf(path: string, choices: InputChoices = plain) {
  const opened = await openInputs(path, choices);
  try {
    return await Promise.all(
      opened.inputs.map(async (input) => ({ name: input.name, notes: input.notes, dtype: input.source.dtype, shape: [input.source.height, input.source.width, input.source.channels], values: Array.from(elementsOf(await loadWhole(input.source))) })),
    );
  } finally {
    await opened.close();
  }
}

const ramp = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('raw files', () => {
  const values = ramp(6 * 5 * 2, (i) => i * 1000 + 7);
  const bytes = (bigEndian: boolean, offset: number) => {
    const out = new DataView(new ArrayBuffer(offset + values.length * 2));
    values.forEach((v, i) => out.setUint16(offset + i * 2, v, !bigEndian));
    return new Uint8Array(out.buffer);
  };
  it('reads u16 little- and big-endian after a header offset', async () => {
    writeFileSync(file('le.raw'), bytes(false, 0));
    writeFileSync(file('be.raw'), bytes(true, 100));
    const layout = { dtype: 'u16' as const, height: 6, width: 5, channels: 2 };
    expect((await valuesOf(file('le.raw'), { stack: false, raw: { ...layout, offset: 0, bigEndian: false } }))[0]!.values).toEqual(values);
    expect((await valuesOf(file('be.raw'), { stack: false, raw: { ...layout, offset: 100, bigEndian: true } }))[0]!.values).toEqual(values);
  });
  it('refuses a size that does not match the shape, naming both', async () => {
    writeFileSync(file('short.raw'), bytes(false, 0));
    await expect(openInputs(file('short.raw'), { stack: false, raw: { dtype: 'u16', height: 7, width: 5, channels: 2, offset: 0, bigEndian: false } })).rejects.toThrow(/7x5x2 u16 needs 140 bytes, the file has 120/);
    await expect(openInputs(file('short.raw'), { stack: false, raw: { dtype: 'u8', height: 6, width: 5, channels: 2, offset: 0, bigEndian: false } })).rejects.toThrow(/needs 60 bytes, the file has 120/);
  });
});

describe('.npy read from its data offset', () => {
  it('reads a band from the middle without the rest', async () => {
    const data = new Uint8Array(new Float32Array(ramp(40 * 3, (i) => i / 3)).buffer);
    writeFileSync(file('a.npy'), npyBytes('<f4', '(40, 3)', data));
    const opened = await openInputs(file('a.npy'), plain);
    const band = await readBand(opened.inputs[0]!.source, 10, 13);
    expect(Array.from(elementsOf(band))).toEqual(ramp(9, (i) => Math.fround((30 + i) / 3)));
  });
  it('says a truncated file is truncated', async () => {
    writeFileSync(file('t.npy'), npyBytes('<u2', '(40, 3)', new Uint8Array(10)));
    await expect(openInputs(file('t.npy'), plain)).rejects.toThrow(/truncated .npy data: shape \(40, 3\) of <u2 needs 240 bytes, the file has 10/);
  });
});

describe('TIFF and BigTIFF through geotiff', () => {
  const page = (dtype: 'u8' | 'u16' | 'f32', height: number, width: number, channels: number, seed: number) => ({
    dtype,
    height,
    width,
    channels,
    samples: ramp(height * width * channels, (i) => (dtype === 'f32' ? (i * seed) / 7 - 50 : (i * seed + 3) % (dtype === 'u8' ? 256 : 65536))),
  });
  it('reads a tiled BigTIFF u16 with edge tiles, and any band of it', async () => {
    const p = page('u16', 37, 29, 1, 1231);
    writeTestTiff(file('tiled.tif'), [p], { bigTiff: true, tile: { width: 16, height: 16 } });
    const [read] = await valuesOf(file('tiled.tif'));
    expect(read!.notes).toContain('BigTIFF');
    expect(read!.shape).toEqual([37, 29, 1]);
    expect(read!.values).toEqual(p.samples.map((v) => v));
    const opened = await openInputs(file('tiled.tif'), plain);
    const band = await readBand(opened.inputs[0]!.source, 13, 20);
    await opened.close();
    expect(Array.from(elementsOf(band))).toEqual(p.samples.slice(13 * 29, 20 * 29));
  });
  it('reads striped classic TIFF: u8 RGB and f32 gray', async () => {
    const rgb = page('u8', 11, 7, 3, 97);
    const f32 = page('f32', 9, 5, 1, 3);
    writeTestTiff(file('rgb.tif'), [rgb], { bigTiff: false, rowsPerStrip: 4 });
    writeTestTiff(file('f32.tiff'), [f32], { bigTiff: false, rowsPerStrip: 2 });
    expect((await valuesOf(file('rgb.tif')))[0]).toMatchObject({ dtype: 'u8', shape: [11, 7, 3], values: rgb.samples });
    expect((await valuesOf(file('f32.tiff')))[0]).toMatchObject({ dtype: 'f32', values: f32.samples.map(Math.fround) });
  });
  it('a multi-page TIFF is one input per page, or one stack with --stack', async () => {
    const pages = [page('u16', 10, 8, 1, 5), page('u16', 6, 8, 1, 9), page('u16', 4, 8, 1, 17)];
    writeTestTiff(file('pages.tif'), pages, { bigTiff: true, tile: { width: 16, height: 16 } });
    const each = await valuesOf(file('pages.tif'));
    expect(each.map((p) => p.name)).toEqual(['page1', 'page2', 'page3'].map((p) => `${file('pages.tif')}#${p}`));
    each.forEach((read, i) => expect(read.values).toEqual(pages[i]!.samples));
    const [stacked] = await valuesOf(file('pages.tif'), { stack: true });
    expect(stacked!.shape).toEqual([20, 8, 1]);
    expect(stacked!.values).toEqual(pages.flatMap((p) => p.samples));
    expect(stacked!.notes.join(' ')).toMatch(/3 pages stacked vertically into one 20x8 array/);
  });
  it('refuses a stack of pages that differ, and sample formats it cannot hold', async () => {
    writeTestTiff(file('mixed.tif'), [page('u16', 4, 8, 1, 5), page('u8', 4, 8, 1, 5)], { bigTiff: false });
    await expect(openInputs(file('mixed.tif'), { stack: true })).rejects.toThrow(/--stack needs pages of one width, channel count and dtype: .*page 2 is 8 wide, 1-channel u8/);
    writeFileSync(file('junk.tif'), new Uint8Array(100).fill(7));
    await expect(openInputs(file('junk.tif'), plain)).rejects.toThrow(/cannot read TIFF .*accepted are TIFF or BigTIFF/);
  });
});

describe('DICOM through dicom-parser', () => {
  it('reads implicit VR little endian u16 and explicit VR little endian u8 as they are', async () => {
    const v16 = ramp(12 * 10, (i) => i * 500);
    writeTestDicom(file('i.dcm'), { syntax: IMPLICIT_LE, rows: 12, columns: 10, bitsAllocated: 16, values: v16 });
    expect((await valuesOf(file('i.dcm')))[0]).toMatchObject({ dtype: 'u16', shape: [12, 10, 1], values: v16 });
    const v8 = ramp(5 * 4 * 3, (i) => (i * 37) % 256);
    writeTestDicom(file('e.dcm'), { syntax: EXPLICIT_LE, rows: 5, columns: 4, samples: 3, bitsAllocated: 8, values: v8 });
    const [rgb] = await valuesOf(file('e.dcm'));
    expect(rgb).toMatchObject({ dtype: 'u8', shape: [5, 4, 3], values: v8 });
    expect(rgb!.notes[0]).toMatch(/Explicit VR Little Endian, 1 frame of 5x4 RGB/);
  });
  it('applies sign and rescale (explicit big endian), as f32, and says so', async () => {
    const stored = ramp(6 * 7, (i) => i * 311 - 6000);
    writeTestDicom(file('ct.dcm'), { syntax: EXPLICIT_BE, rows: 6, columns: 7, bitsAllocated: 16, signed: true, slope: 0.5, intercept: -1024, values: stored });
    const [ct] = await valuesOf(file('ct.dcm'));
    expect(ct!.dtype).toBe('f32');
    expect(ct!.values).toEqual(stored.map((v) => v * 0.5 - 1024));
    expect(ct!.notes.join('\n')).toMatch(/rescale slope 0.5 and intercept -1024 applied: values are stored x 0.5 \+ -1024, as f32/);
  });
  it('keeps only Bits Stored bits, sign-extended', async () => {
    // 12 bits stored in 16: the high nibble holds junk (an overlay) the reader must drop.
    const stored = [0x0fff, 0xf800, 0x0001, 0xa7ff];
    writeTestDicom(file('b12.dcm'), { syntax: EXPLICIT_LE, rows: 2, columns: 2, bitsAllocated: 16, bitsStored: 12, signed: true, values: stored });
    expect((await valuesOf(file('b12.dcm')))[0]!.values).toEqual([-1, -2048, 1, 2047]);
    writeTestDicom(file('u12.dcm'), { syntax: EXPLICIT_LE, rows: 2, columns: 2, bitsAllocated: 16, bitsStored: 12, values: stored });
    expect((await valuesOf(file('u12.dcm')))[0]).toMatchObject({ dtype: 'u16', values: [0xfff, 0x800, 1, 0x7ff] });
  });
  it('a multi-frame file is one input per frame, or one stack', async () => {
    const values = ramp(3 * 4 * 5, (i) => i * 3);
    writeTestDicom(file('mf.dcm'), { syntax: EXPLICIT_LE, rows: 4, columns: 5, frames: 3, bitsAllocated: 16, values });
    const frames = await valuesOf(file('mf.dcm'));
    expect(frames.map((f) => f.name.split('#')[1])).toEqual(['frame1', 'frame2', 'frame3']);
    expect(frames[2]!.values).toEqual(values.slice(40));
    const [stack] = await valuesOf(file('mf.dcm'), { stack: true });
    expect(stack).toMatchObject({ shape: [12, 5, 1], values });
  });
  it('names a compressed transfer syntax it refuses', async () => {
    writeTestDicom(file('jpeg.dcm'), { syntax: JPEG_BASELINE, rows: 2, columns: 2, bitsAllocated: 8, values: [1, 2, 3, 4] });
    await expect(openInputs(file('jpeg.dcm'), plain)).rejects.toThrow(/transfer syntax 1.2.840.10008.1.2.4.50 \(JPEG Baseline \(Process 1\)\) is not supported: accepted are uncompressed Implicit VR Little Endian/);
    writeFileSync(file('not.dcm'), new Uint8Array(300));
    await expect(openInputs(file('not.dcm'), plain)).rejects.toThrow(/not a readable DICOM file/);
  });
});
