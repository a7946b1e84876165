import { UsageError } from '../errors.js';

/** Element types an ArrayView can hold. Add a name here and to DTYPE_INFO to support another. */
export type DType = 'u8' | 'u16' | 'f32';

export type TypedArrayOf<D extends DType> = D extends 'u8'
  ? Uint8Array
  : D extends 'u16'
    ? Uint16Array
    : Float32Array;

export type ElementArray = Uint8Array | Uint16Array | Float32Array;

interface DTypeInfo {
  bytesPerElement: number;
  isInteger: boolean;
  /** Smallest and largest representable finite values. */
  min: number;
  max: number;
  construct: (buffer: ArrayBufferLike, byteOffset: number, length: number) => ElementArray;
}

export const DTYPE_INFO: Record<DType, DTypeInfo> = {
  u8: {
    bytesPerElement: 1,
    isInteger: true,
    min: 0,
    max: 255,
    construct: (b, o, n) => new Uint8Array(b, o, n),
  },
  u16: {
    bytesPerElement: 2,
    isInteger: true,
    min: 0,
    max: 65535,
    construct: (b, o, n) => new Uint16Array(b, o, n),
  },
  f32: {
    bytesPerElement: 4,
    isInteger: false,
    min: -3.4028234663852886e38,
    max: 3.4028234663852886e38,
    construct: (b, o, n) => new Float32Array(b, o, n),
  },
};

export const DTYPES = Object.keys(DTYPE_INFO) as DType[];

export function isDType(name: string): name is DType {
  return Object.hasOwn(DTYPE_INFO, name);
}

export function parseDType(name: string): DType {
  if (!isDType(name)) {
    throw new UsageError(`unsupported dtype '${name}': accepted dtypes are ${DTYPES.join(', ')}`);
  }
  return name;
}
