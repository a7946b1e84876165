import { isAbsolute } from 'node:path';
import { DTYPE_INFO, type DType } from '../array/dtype.js';
import { isHttpUrl } from '../io/url-input.js';

/**
 * The data of the jobs tilerun puts on the queues, and its validation. A worker checks every job
 * before using it: job data comes from whoever can write to Redis, so it is input like any other.
 * A job names a kernel (a built-in, or a module loaded on the worker) by name and version, and an
 * input by absolute path or http(s) URL: never code, never tile bytes.
 */
export const SCHEMA_VERSION = 1;
export const BATCH_QUEUE = 'tilerun-batches';
export const STITCH_QUEUE = 'tilerun-stitch';

export interface KernelName {
  name: string;
  /** tilerun's version for built-ins; a hash of the module file for modules. */
  version: string;
}

/** Where a map kernel's batches write their output regions: a raw (headerless) array file. */
export interface OutputTarget {
  path: string;
  dtype: DType;
  height: number;
  width: number;
  channels: number;
  factor: number;
}

export interface BatchJobData {
  v: number;
  run: string;
  pass: number;
  kernel: KernelName;
  input: string;
  /** The input's size in bytes when the job was made: a worker seeing another file refuses it. */
  inputBytes: number;
  params: unknown;
  tileEdge: number;
  halo: number;
  /** Half-open tile index ranges [first, end). */
  tiles: [number, number][];
  output?: OutputTarget;
}

export interface StitchJobData {
  v: number;
  run: string;
  pass: number;
  kernel: KernelName;
  kind: 'reduction' | 'map';
  tileCount: number;
}

/** A job that can never run: BullMQ must not retry it (the worker throws UnrecoverableError). */
export class MalformedJob extends Error {
  override readonly name = 'MalformedJob';
}

type Check = (value: unknown, where: string) => void;

function fail(where: string, expected: string, value: unknown): never {
  const shown = JSON.stringify(value);
  throw new MalformedJob(`malformed job: ${where} must be ${expected}, got ${shown === undefined ? String(value) : shown.slice(0, 80)}`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (value, where) => {
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) fail(where, `an integer in ${min}..${max}`, value);
  };

const text =
  (pattern: RegExp, expected: string): Check =>
  (value, where) => {
    if (typeof value !== 'string' || !pattern.test(value)) fail(where, expected, value);
  };

function isAbsolutePath(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 4096 && isAbsolute(value) && !value.includes('\0');
}

function isHttpLocation(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 4096 || !isHttpUrl(value)) return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

const absolutePath: Check = (value, where) => {
  if (!isAbsolutePath(value)) fail(where, 'an absolute file path', value);
};

/** An input every worker can read: a path on a shared file system, or an http(s) URL. */
const inputLocation: Check = (value, where) => {
  if (!isAbsolutePath(value) && !isHttpLocation(value)) fail(where, 'an absolute file path or an http(s) URL', value);
};

function checkFields(value: unknown, where: string, fields: Record<string, Check>, optional: Record<string, Check> = {}): Record<string, unknown> {
  if (!isObject(value)) fail(where, 'an object', value);
  for (const key of Object.keys(value)) {
    if (!(key in fields) && !(key in optional)) fail(`${where}.${key}`, `absent (accepted fields: ${[...Object.keys(fields), ...Object.keys(optional)].join(', ')})`, value[key]);
  }
  for (const [key, check] of Object.entries(fields)) check(value[key], `${where}.${key}`);
  for (const [key, check] of Object.entries(optional)) if (value[key] !== undefined) check(value[key], `${where}.${key}`);
  return value;
}

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;
const kernelName: Check = (value, where) =>
  void checkFields(value, where, {
    name: text(/^[A-Za-z0-9_.-]{1,64}$/, 'a kernel name'),
    version: text(/^[A-Za-z0-9_.+-]{1,64}$/, 'a version'),
  });
const schemaVersion: Check = (value, where) => {
  if (value !== SCHEMA_VERSION) fail(where, `${SCHEMA_VERSION} (this worker's job format)`, value);
};

const outputTarget: Check = (value, where) =>
  void checkFields(value, where, {
    path: absolutePath,
    dtype: (dtype, at) => {
      if (typeof dtype !== 'string' || !(dtype in DTYPE_INFO)) fail(at, `one of ${Object.keys(DTYPE_INFO).join(', ')}`, dtype);
    },
    height: integer(1),
    width: integer(1),
    channels: integer(1, 4),
    factor: integer(1, 1 << 16),
  });

export function validateBatchJob(data: unknown): BatchJobData {
  const job = checkFields(
    data,
    'job',
    {
      v: schemaVersion,
      run: text(RUN_ID, 'a run id (letters, digits, - and _)'),
      pass: integer(1, 16),
      kernel: kernelName,
      input: inputLocation,
      inputBytes: integer(0),
      params: (value, where) => {
        if (!isObject(value)) fail(where, 'an object of kernel parameters', value);
      },
      tileEdge: integer(1, 1 << 20),
      halo: integer(0, 1 << 16),
      tiles: (value, where) => {
        if (!Array.isArray(value) || value.length === 0 || value.length > 100_000) fail(where, 'a non-empty array of [first, end) tile ranges', value);
        value.forEach((range: unknown, i) => {
          if (!Array.isArray(range) || range.length !== 2) fail(`${where}[${i}]`, 'a [first, end) pair', range);
          integer(0)(range[0], `${where}[${i}][0]`);
          integer(1)(range[1], `${where}[${i}][1]`);
          if ((range[1] as number) <= (range[0] as number)) fail(`${where}[${i}]`, 'a range with end > first', range);
        });
      },
    },
    { output: outputTarget },
  );
  return job as unknown as BatchJobData;
}

export function validateStitchJob(data: unknown): StitchJobData {
  const job = checkFields(data, 'job', {
    v: schemaVersion,
    run: text(RUN_ID, 'a run id'),
    pass: integer(1, 16),
    kernel: kernelName,
    kind: (value, where) => {
      if (value !== 'reduction' && value !== 'map') fail(where, "'reduction' or 'map'", value);
    },
    tileCount: integer(1),
  });
  return job as unknown as StitchJobData;
}

/** Every tile index of a batch, in order; ranges are checked against the grid's tile count. */
export function tileIndicesOf(ranges: readonly [number, number][], tileCount: number): number[] {
  const indices: number[] = [];
  for (const [first, end] of ranges) {
    if (end > tileCount) throw new MalformedJob(`malformed job: tile range [${first}, ${end}) goes past the grid's ${tileCount} tiles`);
    for (let index = first; index < end; index++) indices.push(index);
  }
  return indices;
}
