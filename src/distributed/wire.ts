/**
 * Partials as they travel through Redis (BullMQ stores job data and return values as JSON):
 * JSON loses bigints (exact 64-bit sums), typed arrays (histograms) and NaN/Infinity, so those
 * are written as tagged objects and restored exactly on the other side.
 */
type Tagged = { $bigint: string } | { $typed: string; data: string } | { $number: string };

const TYPED = {
  Uint8Array,
  Uint16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigUint64Array,
  BigInt64Array,
} as const;
type TypedName = keyof typeof TYPED;

export function encodeWire(value: unknown): unknown {
  if (typeof value === 'bigint') return { $bigint: value.toString() } satisfies Tagged;
  if (typeof value === 'number') return Number.isFinite(value) ? value : ({ $number: String(value) } satisfies Tagged);
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    if (!(name in TYPED)) throw new TypeError(`cannot send a ${name} through the job queue`);
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return { $typed: name, data: bytes.toString('base64') } satisfies Tagged;
  }
  if (Array.isArray(value)) return value.map(encodeWire);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, encodeWire(item)]));
  }
  return value;
}

export function decodeWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeWire);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (typeof record.$bigint === 'string') return BigInt(record.$bigint);
  if (typeof record.$number === 'string') return Number(record.$number);
  if (typeof record.$typed === 'string' && typeof record.data === 'string') {
    const name = record.$typed as TypedName;
    const Constructor = TYPED[name];
    if (Constructor === undefined) throw new TypeError(`unknown typed array ${record.$typed} in a job result`);
    const bytes = Buffer.from(record.data, 'base64');
    // Copy into a fresh, aligned buffer: the base64 decode's offset may not suit the element size.
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    return new Constructor(copy.buffer, 0, bytes.byteLength / Constructor.BYTES_PER_ELEMENT);
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, decodeWire(item)]));
}
