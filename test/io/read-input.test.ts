import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arrayFromElements, elementsOf } from '../../src/array/array-view.js';
import { InputError } from '../../src/errors.js';
import { encodeNpy, parseNpy } from '../../src/io/npy.js';
import { readInput } from '../../src/io/read-input.js';
import { npyBytes, temporaryDirectory, writeJpeg, writePng, writeTiff } from '../support/fixtures.js';

const dir = temporaryDirectory();
afterAll(() => dir.remove());

describe('.npy', () => {
  it('round-trips u8, u16 and f32, 2-D and 3-D', () => {
    for (const [dtype, channels] of [['u8', 1], ['u16', 3], ['f32', 4]] as const) {
      const data = Array.from({ length: 5 * 7 * channels }, (_, i) => i * 3);
      const view = arrayFromElements(dtype, 5, 7, channels, data);
      const back = parseNpy(encodeNpy(view), 'x.npy');
      expect([back.dtype, back.height, back.width, back.channels]).toEqual([dtype, 5, 7, channels]);
      expect(Array.from(elementsOf(back))).toEqual(data);
      expect(back.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
  });

  it('reads big-endian data by swapping bytes', () => {
    const data = new Uint8Array([0x01, 0x02, 0xff, 0x00]);
    const view = parseNpy(npyBytes('>u2', '(1, 2)', data), 'be.npy');
    expect(Array.from(elementsOf(view))).toEqual([0x0102, 0xff00]);
  });

  it.each([
    ['wrong magic', new TextEncoder().encode('PK\u0003\u0004 not numpy'), /does not start with the \\x93NUMPY magic/],
    ['unsupported dtype', npyBytes('<i8', '(2, 2)', new Uint8Array(32)), /unsupported .npy dtype '<i8': accepted are uint8/],
    ['fortran order', npyBytes('|u1', '(2, 2)', new Uint8Array(4), true), /Fortran-order/],
    ['1-D array', npyBytes('|u1', '(4,)', new Uint8Array(4)), /1 dimensions/],
    ['zero-size array', npyBytes('|u1', '(0, 5)'), /empty \(shape/],
    ['too many channels', npyBytes('|u1', '(2, 2, 5)', new Uint8Array(20)), /5 channels/],
    ['truncated data', npyBytes('<f4', '(10, 10)', new Uint8Array(399)), /truncated .npy data: .* needs 400 bytes, the file has 399/],
    ['truncated data under a huge shape', npyBytes('|u1', '(200000, 200000)', new Uint8Array(16)), /needs 40000000000 bytes, the file has 16/],
    ['truncated header', npyBytes('|u1', '(2, 2)').subarray(0, 30), /truncated .npy header/],
  ])('rejects %s with a message naming the problem', (_name, bytes, message) => {
    expect(() => parseNpy(bytes, 'bad.npy')).toThrow(InputError);
    expect(() => parseNpy(bytes, 'bad.npy')).toThrow(message);
  });
});

describe('readInput', () => {
  it.each([
    ['8-bit gray PNG', 'g8.png', 'u8', 1, () => writePng(join(dir.path, 'g8.png'), 9, 11, 1, 8)],
    ['8-bit gray+alpha PNG', 'ga8.png', 'u8', 2, () => writePng(join(dir.path, 'ga8.png'), 9, 11, 2, 8)],
    ['8-bit RGB PNG', 'rgb8.png', 'u8', 3, () => writePng(join(dir.path, 'rgb8.png'), 9, 11, 3, 8)],
    ['8-bit RGBA PNG', 'rgba8.png', 'u8', 4, () => writePng(join(dir.path, 'rgba8.png'), 9, 11, 4, 8)],
    ['16-bit gray PNG', 'g16.png', 'u16', 1, () => writePng(join(dir.path, 'g16.png'), 9, 11, 1, 16)],
    ['16-bit gray+alpha PNG', 'ga16.png', 'u16', 2, () => writePng(join(dir.path, 'ga16.png'), 9, 11, 2, 16)],
    ['16-bit RGB PNG', 'rgb16.png', 'u16', 3, () => writePng(join(dir.path, 'rgb16.png'), 9, 11, 3, 16)],
    ['8-bit gray TIFF', 'g8.tif', 'u8', 1, () => writeTiff(join(dir.path, 'g8.tif'), 9, 11, 1, 8)],
    ['16-bit gray TIFF', 'g16.tif', 'u16', 1, () => writeTiff(join(dir.path, 'g16.tif'), 9, 11, 1, 16)],
    ['16-bit RGB TIFF', 'rgb16.tiff', 'u16', 3, () => writeTiff(join(dir.path, 'rgb16.tiff'), 9, 11, 3, 16)],
    ['32-bit float TIFF', 'f32.tif', 'f32', 1, () => writeTiff(join(dir.path, 'f32.tif'), 9, 11, 1, 32)],
    ['32-bit float RGB TIFF', 'rgbf.tif', 'f32', 3, () => writeTiff(join(dir.path, 'rgbf.tif'), 9, 11, 3, 32)],
  ] as const)('reads a %s bit-exactly with its channels', async (_name, file, dtype, channels, write) => {
    const expected = write();
    const view = await readInput(join(dir.path, file));
    expect([view.dtype, view.height, view.width, view.channels]).toEqual([dtype, 9, 11, channels]);
    expect(Array.from(elementsOf(view))).toEqual(expected);
  });

  it('reads a JPEG as 8-bit RGB', async () => {
    await writeJpeg(join(dir.path, 'photo.jpg'), 16, 24);
    const view = await readInput(join(dir.path, 'photo.jpg'));
    expect([view.dtype, view.height, view.width, view.channels]).toEqual(['u8', 16, 24, 3]);
  });

  it('names a missing file, an empty file, an unknown extension and a corrupt image', async () => {
    await expect(readInput(join(dir.path, 'nope.npy'))).rejects.toThrow(/nope.npy: no such file/);
    writeFileSync(join(dir.path, 'empty.png'), '');
    await expect(readInput(join(dir.path, 'empty.png'))).rejects.toThrow(/file is empty/);
    writeFileSync(join(dir.path, 'data.bmpx'), 'x');
    await expect(readInput(join(dir.path, 'data.bmpx'))).rejects.toThrow(/unsupported file type '.bmpx': accepted are .npy, .png/);
    writeFileSync(join(dir.path, 'corrupt.png'), 'not a png at all');
    await expect(readInput(join(dir.path, 'corrupt.png'))).rejects.toThrow(/cannot decode image/);
    await expect(readInput(dir.path)).rejects.toThrow(/is not a regular file/);
  });
});
