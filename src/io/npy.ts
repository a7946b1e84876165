import { allocateArray, byteLength, elementsOf, type ArrayView } from '../array/array-view.js';
import { DTYPE_INFO, type DType } from '../array/dtype.js';
import { InputError } from '../errors.js';
import { swapBytes } from './row-source.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** numpy descr strings tilerun reads, by dtype; '|' and '<' are the same for one byte. */
const DESCRS: Record<string, { dtype: DType; bigEndian: boolean }> = {
  '|u1': { dtype: 'u8', bigEndian: false },
  '<u1': { dtype: 'u8', bigEndian: false },
  '>u1': { dtype: 'u8', bigEndian: false },
  '<u2': { dtype: 'u16', bigEndian: false },
  '>u2': { dtype: 'u16', bigEndian: true },
  '<f4': { dtype: 'f32', bigEndian: false },
  '>f4': { dtype: 'f32', bigEndian: true },
};

export const NPY_ACCEPTED = 'uint8 (|u1), uint16 (<u2, >u2) or float32 (<f4, >f4), C order, 2-D (height, width) or 3-D (height, width, channels<=4)';

export interface NpyHeader {
  dtype: DType;
  bigEndian: boolean;
  height: number;
  width: number;
  channels: number;
  /** Byte offset of the first element. */
  dataStart: number;
  descr: string;
  shapeText: string;
}

/**
 * Parses a .npy header (format versions 1, 2 and 3) from the file's first bytes. Every malformed
 * part gets an InputError that names what was found and what is accepted. `bytes` needs to hold
 * the whole header only, so a file larger than memory can be streamed from its data offset.
 */
export function parseNpyHeader(bytes: Uint8Array, path: string): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((value, i) => bytes[i] !== value)) {
    throw new InputError(path, 'not a .npy file (the file does not start with the \\x93NUMPY magic)');
  }
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new InputError(path, `unsupported .npy format version ${major} (accepted: 1, 2, 3)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLengthSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + headerLengthSize) throw new InputError(path, 'truncated .npy header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + headerLengthSize;
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) {
    throw new InputError(path, `truncated .npy header: it declares ${headerLength} bytes, the file ends before`);
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new InputError(path, `malformed .npy header (expected descr, fortran_order and shape): ${header.trim()}`);
  }
  const format = DESCRS[descr];
  if (!format) throw new InputError(path, `unsupported .npy dtype '${descr}': accepted are ${NPY_ACCEPTED}`);
  if (fortran === 'True') throw new InputError(path, `Fortran-order .npy arrays are not supported: accepted are ${NPY_ACCEPTED}`);
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number);
  if (shape.some((dim) => !Number.isSafeInteger(dim) || dim < 0)) {
    throw new InputError(path, `malformed .npy shape (${shapeText})`);
  }
  if (shape.length < 2 || shape.length > 3) {
    throw new InputError(path, `.npy array has ${shape.length} dimensions (shape (${shapeText})): accepted are ${NPY_ACCEPTED}`);
  }
  if (shape.some((dim) => dim === 0)) {
    throw new InputError(path, `.npy array is empty (shape (${shapeText})): there is nothing to compute`);
  }
  const [height, width, channels = 1] = shape as [number, number, number?];
  if (channels > 4) {
    throw new InputError(path, `.npy array has ${channels} channels (shape (${shapeText})): accepted are 1 to 4`);
  }
  return { dtype: format.dtype, bigEndian: format.bigEndian, height, width, channels, dataStart, descr, shapeText };
}

/** Parses a whole .npy file held in memory into a shared array. */
export function parseNpy(bytes: Uint8Array, path: string): ArrayView {
  const { dtype, bigEndian, height, width, channels, dataStart, descr, shapeText } = parseNpyHeader(bytes, path);
  // Checked before allocating, so a header claiming a huge shape is reported, not attempted.
  const expected = byteLength({ dtype, height, width, channels });
  const available = bytes.length - dataStart;
  if (available < expected) {
    throw new InputError(path, `truncated .npy data: shape (${shapeText}) of ${descr} needs ${expected} bytes, the file has ${available}`);
  }
  const array = allocateArray(dtype, height, width, channels);
  const target = new Uint8Array(array.buffer, array.byteOffset, expected);
  target.set(bytes.subarray(dataStart, dataStart + expected));
  if (bigEndian) swapBytes(target, DTYPE_INFO[dtype].bytesPerElement);
  return array;
}

const NPY_DESCR: Record<DType, string> = { u8: '|u1', u16: '<u2', f32: '<f4' };

/** The header of a version 1.0 .npy file (little-endian, C order) for an array of this shape, padded to 64 bytes. */
export function npyHeader(array: Pick<ArrayView, 'dtype' | 'height' | 'width' | 'channels'>): Uint8Array {
  const shape = array.channels === 1 ? `(${array.height}, ${array.width})` : `(${array.height}, ${array.width}, ${array.channels})`;
  let header = `{'descr': '${NPY_DESCR[array.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}

/** Encodes an array as a version 1.0 .npy file (little-endian, C order). */
export function encodeNpy(array: ArrayView): Uint8Array {
  const header = npyHeader(array);
  const dataBytes = byteLength(array);
  const out = new Uint8Array(header.length + dataBytes);
  out.set(header, 0);
  const elements = elementsOf(array);
  out.set(new Uint8Array(elements.buffer, elements.byteOffset, dataBytes), header.length);
  return out;
}
