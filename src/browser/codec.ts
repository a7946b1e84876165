/**
 * JSON that keeps what kernels' parameters and partials hold and plain JSON loses: bigints (exact
 * integer sums), typed arrays (histograms, weights), NaN, the infinities and -0. Node and the page
 * both use it, so a partial computed in the page decodes to the same value a Node device returns.
 */

const TYPED_ARRAYS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;

type TypedArrayName = keyof typeof TYPED_ARRAYS;

const TAG = '$tilerun';

function replace(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return { [TAG]: 'bigint', v: value.toString() };
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { [TAG]: 'number', v: 'NaN' };
    if (value === Infinity) return { [TAG]: 'number', v: 'Infinity' };
    if (value === -Infinity) return { [TAG]: 'number', v: '-Infinity' };
    if (Object.is(value, -0)) return { [TAG]: 'number', v: '-0' };
    return value;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name;
    if (!(name in TYPED_ARRAYS)) throw new Error(`cannot encode a ${name}`);
    // The elements go through this replacer again, so NaN and bigints inside are tagged too.
    return { [TAG]: name, v: Array.from(value as unknown as ArrayLike<number | bigint>) };
  }
  if (value instanceof Map || value instanceof Set || value instanceof ArrayBuffer) {
    throw new Error(`cannot encode a ${value.constructor.name}`);
  }
  return value;
}

function revive(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !(TAG in value)) return value;
  const { [TAG]: tag, v } = value as { [TAG]: string; v: unknown };
  if (tag === 'bigint') return BigInt(v as string);
  if (tag === 'number') return v === '-0' ? -0 : Number(v);
  if (tag in TYPED_ARRAYS) {
    const Constructor = TYPED_ARRAYS[tag as TypedArrayName] as unknown as { from(items: unknown[]): unknown };
    return Constructor.from(v as unknown[]);
  }
  throw new Error(`unknown tag ${tag} in encoded value`);
}

export function encodeValue(value: unknown): string {
  return JSON.stringify(value, replace);
}

export function decodeValue<T = unknown>(text: string): T {
  return JSON.parse(text, revive) as T;
}
