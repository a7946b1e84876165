import type { DType } from '../../src/array/dtype.js';
import { UsageError } from '../../src/errors.js';
import { BOUNDARY_CODE, BOUNDARY_MODES, parseBoundaryName, type BoundaryName } from '../boundary.js';
import { acceptedValues, type Matrix, type ParamSpec } from '../params.js';

/**
 * What `convolve` accepts, and the weight matrix those parameters stand for. Every backend gets
 * its weights from weightsOf(), so a preset means exactly the same numbers everywhere.
 */
export const PRESETS = ['box', 'gaussian', 'sobel-x', 'sobel-y', 'laplacian'] as const;
export type PresetName = (typeof PRESETS)[number];

export const OUTPUT_DTYPES = ['same', 'u8', 'u16', 'f32'] as const;
export type OutputDType = (typeof OUTPUT_DTYPES)[number];

/** Largest number of rows or columns of a matrix (15 x 15 weights fit the shader's 256 numbers). */
export const MAX_SIDE = 15;
export const DEFAULT_SIZE = 3;

const FLT_MAX = 3.4028234663852886e38;

export interface ConvolveParams {
  readonly matrix: Matrix | null;
  readonly preset: PresetName | null;
  /** null: 3, or for a gaussian given only sigma, 2 x ceil(3 sigma) + 1 (at most 15). */
  readonly size: number | null;
  /** null: 0.3 x ((size - 1) / 2 - 1) + 0.8 (OpenCV's rule for a given size). */
  readonly sigma: number | null;
  readonly normalize: boolean;
  readonly boundary: BoundaryName;
  readonly value: number;
  readonly dtype: OutputDType;
}

export const CONVOLVE_PARAMS: readonly ParamSpec[] = [
  {
    name: 'matrix',
    type: 'matrix',
    description: `the weights (correlation: not flipped), odd rows and columns, 1 to ${MAX_SIDE} each; instead of preset`,
  },
  {
    name: 'preset',
    type: 'choice',
    choices: PRESETS,
    description: 'a named matrix instead of matrix (box when neither is given)',
  },
  {
    name: 'size',
    type: 'integer',
    min: DEFAULT_SIZE,
    max: MAX_SIDE,
    description: 'odd side of a box or gaussian preset (default 3; a gaussian given only sigma: 2 x ceil(3 sigma) + 1, at most 15)',
  },
  {
    name: 'sigma',
    type: 'number',
    min: 0,
    description: "a gaussian preset's standard deviation, > 0 (default 0.3 x ((size - 1) / 2 - 1) + 0.8)",
  },
  { name: 'normalize', type: 'boolean', default: false, description: 'divide the matrix by its sum (when the sum is not 0)' },
  { name: 'boundary', type: 'choice', choices: BOUNDARY_MODES, default: 'reflect', description: 'how the stencil sees outside the array' },
  { name: 'value', type: 'number', default: 0, description: 'the value outside the array in constant mode' },
  { name: 'dtype', type: 'choice', choices: OUTPUT_DTYPES, default: 'f32', description: "output dtype ('same' as the input)" },
];

/** The weights every backend uses: row-major, each rounded to f32 (what the shaders hold). */
export interface Weights {
  readonly rows: number;
  readonly cols: number;
  readonly values: readonly number[];
}

function fail(message: string): never {
  throw new UsageError(`convolve: ${message}`);
}

function spec(name: string): ParamSpec {
  return CONVOLVE_PARAMS.find((candidate) => candidate.name === name)!;
}

/** The size and sigma a gaussian preset uses once defaults are filled in. */
export function gaussianShape(params: Pick<ConvolveParams, 'size' | 'sigma'>): { size: number; sigma: number } {
  if (params.size === null && params.sigma !== null) {
    return { size: 2 * Math.min((MAX_SIDE - 1) / 2, Math.max(1, Math.ceil(3 * params.sigma))) + 1, sigma: params.sigma };
  }
  const size = params.size ?? DEFAULT_SIZE;
  return { size, sigma: params.sigma ?? 0.3 * ((size - 1) / 2 - 1) + 0.8 };
}

function presetMatrix(preset: PresetName, params: Pick<ConvolveParams, 'size' | 'sigma'>): Matrix {
  switch (preset) {
    case 'box': {
      const size = params.size ?? DEFAULT_SIZE;
      return { rows: size, cols: size, values: new Array<number>(size * size).fill(1 / (size * size)) };
    }
    case 'gaussian': {
      const { size, sigma } = gaussianShape(params);
      const r = (size - 1) / 2;
      const values: number[] = [];
      // The centre is 1 outright: for a sigma so small that sigma^2 underflows, 0 / 0 would be NaN.
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) values.push(dy === 0 && dx === 0 ? 1 : Math.exp(-(dy * dy + dx * dx) / (2 * sigma * sigma)));
      }
      const sum = values.reduce((a, b) => a + b, 0);
      return { rows: size, cols: size, values: values.map((v) => v / sum) };
    }
    // As scipy.ndimage.sobel: a difference along one axis, smoothed [1, 2, 1] along the other;
    // positive where values grow to the right (x) or downwards (y).
    case 'sobel-x':
      return { rows: 3, cols: 3, values: [-1, 0, 1, -2, 0, 2, -1, 0, 1] };
    case 'sobel-y':
      return { rows: 3, cols: 3, values: [-1, -2, -1, 0, 0, 0, 1, 2, 1] };
    // scipy.ndimage.laplace: the sum of the second differences along both axes.
    case 'laplacian':
      return { rows: 3, cols: 3, values: [0, 1, 0, 1, -4, 1, 0, 1, 0] };
  }
}

/** The smallest normal f32; GPUs may flush anything smaller to zero. */
const FLT_MIN = 2 ** -126;

/**
 * The matrix the parameters stand for (no matrix and no preset: box), normalised if asked, and
 * each weight rounded to f32 so the CPU reference uses exactly the numbers the GPUs do. Weights
 * that round to f32 subnormals become 0 everywhere, since a GPU may flush them (a far corner of
 * a narrow gaussian, say).
 */
export function weightsOf(params: ConvolveParams): Weights {
  const matrix = params.matrix ?? presetMatrix(params.preset ?? 'box', params);
  let values = matrix.values;
  if (params.normalize) {
    const sum = values.reduce((a, b) => a + b, 0);
    if (sum !== 0) values = values.map((v) => v / sum);
  }
  return {
    rows: matrix.rows,
    cols: matrix.cols,
    values: values.map((v) => {
      const w = Math.fround(v);
      return Math.abs(w) < FLT_MIN ? 0 : w;
    }),
  };
}

/** The grid's one square halo: enough for the longer side of the matrix. */
export function convolveHalo(params: ConvolveParams): number {
  const { rows, cols } = weightsOf(params);
  return Math.floor(Math.max(rows, cols) / 2);
}

export function outputDType(params: ConvolveParams, input: DType): DType {
  return params.dtype === 'same' ? input : params.dtype;
}

/**
 * The numbers both GPU backends receive (the WGSL's param(i), the gpu.js function's `extra`):
 * [rows, cols, boundary code, constant, weights row-major...]. At most 4 + 15 x 15 = 229.
 */
export function gpuNumbers(params: ConvolveParams): number[] {
  const weights = weightsOf(params);
  return [weights.rows, weights.cols, BOUNDARY_CODE[params.boundary], params.value, ...weights.values];
}

/** Cross-checks a whole parameter set; every message names what is accepted. */
export function validateConvolveParams(params: ConvolveParams): void {
  const { matrix, preset } = params;
  if (matrix && preset) fail(`give either matrix or preset, not both (preset is ${acceptedValues(spec('preset'))})`);
  if (preset !== null && !(PRESETS as readonly string[]).includes(preset)) {
    fail(`parameter preset must be ${acceptedValues(spec('preset'))}, got '${String(preset)}'`);
  }
  if (matrix) {
    const sides = [matrix.rows, matrix.cols];
    if (sides.some((n) => !Number.isSafeInteger(n) || n < 1 || n > MAX_SIDE || n % 2 === 0) || matrix.values.length !== matrix.rows * matrix.cols) {
      fail(`parameter matrix must have an odd number of rows and of columns, each 1 to ${MAX_SIDE} (e.g. '1,2,1;2,4,2;1,2,1'), got ${matrix.rows}x${matrix.cols}`);
    }
  }
  const kind = matrix ? 'a matrix' : `preset ${preset ?? 'box'}`;
  if (params.size !== null) {
    if (matrix || (preset !== null && preset !== 'box' && preset !== 'gaussian')) {
      fail(`parameter size applies to preset box or gaussian only, not to ${kind}`);
    }
    if (!Number.isSafeInteger(params.size) || params.size < DEFAULT_SIZE || params.size > MAX_SIDE || params.size % 2 === 0) {
      fail(`parameter size must be an odd integer from ${DEFAULT_SIZE} to ${MAX_SIDE}, got ${params.size}`);
    }
  }
  if (params.sigma !== null) {
    if (preset !== 'gaussian') fail(`parameter sigma applies to preset gaussian only, not to ${kind}`);
    if (!(params.sigma > 0) || !Number.isFinite(params.sigma)) fail(`parameter sigma must be a finite number > 0, got ${params.sigma}`);
  }
  parseBoundaryName(params.boundary);
  if (!(Math.abs(params.value) <= FLT_MAX)) {
    fail(`parameter value must be a number within +-${FLT_MAX} (the GPUs hold it as f32), got ${params.value}`);
  }
  if (!(OUTPUT_DTYPES as readonly string[]).includes(params.dtype)) {
    fail(`parameter dtype must be ${acceptedValues(spec('dtype'))}, got '${String(params.dtype)}'`);
  }
  const weights = weightsOf(params);
  const bad = weights.values.findIndex((w) => !Number.isFinite(w));
  if (bad >= 0) {
    const where = `row ${Math.floor(bad / weights.cols) + 1} column ${(bad % weights.cols) + 1}`;
    fail(`weights must lie within +-${FLT_MAX} (the GPUs hold them as f32)${params.normalize ? ' after normalising' : ''}; ${where} is not`);
  }
}
