import { UsageError } from '../src/errors.js';

/**
 * One parameter a kernel accepts. `tilerun run <kernel> -p name=value` parses values by these
 * specs, `tilerun kernels` lists them; a kernel's validateParams then cross-checks the whole set.
 */
export type ParamSpec =
  | (SpecBase & { type: 'integer'; min: number; max: number; default?: number })
  | (SpecBase & { type: 'number'; min?: number; max?: number; default?: number })
  | (SpecBase & { type: 'choice'; choices: readonly string[]; default?: string })
  | (SpecBase & { type: 'boolean'; default?: boolean })
  /** Rows separated by ';', values by ',' or spaces: "1,2,1; 2,4,2; 1,2,1". */
  | (SpecBase & { type: 'matrix'; default?: null })
  /** "lo:hi", inclusive; no default means "from the data". */
  | (SpecBase & { type: 'range'; default?: null });

interface SpecBase {
  readonly name: string;
  readonly description: string;
}

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major. */
  readonly values: readonly number[];
}

/** What a value of a spec looks like, for messages and `tilerun kernels`. */
export function acceptedValues(spec: ParamSpec): string {
  switch (spec.type) {
    case 'integer':
      return `an integer from ${spec.min} to ${spec.max}`;
    case 'number':
      return spec.min !== undefined && spec.max !== undefined
        ? `a number from ${spec.min} to ${spec.max}`
        : spec.min !== undefined
          ? `a number >= ${spec.min}`
          : 'a finite number';
    case 'choice':
      return `one of ${spec.choices.join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'matrix':
      return "rows separated by ';', numbers by ',' (e.g. '1,2,1;2,4,2;1,2,1')";
    case 'range':
      return "lo:hi, two finite numbers with lo <= hi (e.g. '0:4095')";
  }
}

function invalid(spec: ParamSpec, text: string): UsageError {
  return new UsageError(`parameter ${spec.name} must be ${acceptedValues(spec)}, got '${text}'`);
}

function parseFinite(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

export function parseParamValue(spec: ParamSpec, text: string): unknown {
  switch (spec.type) {
    case 'integer': {
      const value = parseFinite(text);
      if (value === null || !Number.isSafeInteger(value) || value < spec.min || value > spec.max) throw invalid(spec, text);
      return value;
    }
    case 'number': {
      const value = parseFinite(text);
      if (value === null || (spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        throw invalid(spec, text);
      }
      return value;
    }
    case 'choice':
      if (!spec.choices.includes(text)) throw invalid(spec, text);
      return text;
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw invalid(spec, text);
      return text === 'true';
    case 'matrix': {
      const rows = text
        .split(';')
        .map((row) => row.trim())
        .filter((row) => row !== '')
        .map((row) => row.split(/[\s,]+/).map((cell) => parseFinite(cell)));
      const cols = rows[0]?.length ?? 0;
      if (rows.length === 0 || rows.some((row) => row.length !== cols || row.some((cell) => cell === null))) {
        throw invalid(spec, text);
      }
      return { rows: rows.length, cols, values: rows.flat() as number[] } satisfies Matrix;
    }
    case 'range': {
      const parts = text.split(':');
      const lo = parts.length === 2 ? parseFinite(parts[0]!) : null;
      const hi = parts.length === 2 ? parseFinite(parts[1]!) : null;
      if (lo === null || hi === null || lo > hi) throw invalid(spec, text);
      return { lo, hi };
    }
  }
}

/**
 * Turns `name=value` strings into a parameter object: defaults first, then each given value.
 * Unknown names and repeated names are errors that list what is accepted.
 */
export function parseParams(kernelName: string, specs: readonly ParamSpec[], pairs: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const spec of specs) params[spec.name] = spec.default ?? null;
  const seen = new Set<string>();
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`-p expects name=value, got '${pair}'`);
    const name = pair.slice(0, equals).trim();
    const spec = specs.find((candidate) => candidate.name === name);
    if (!spec) {
      const names = specs.map((candidate) => candidate.name);
      throw new UsageError(
        `kernel ${kernelName} has no parameter '${name}': ${names.length > 0 ? `accepted are ${names.join(', ')}` : 'it takes none'}`,
      );
    }
    if (seen.has(name)) throw new UsageError(`parameter ${name} given twice`);
    seen.add(name);
    params[name] = parseParamValue(spec, pair.slice(equals + 1).trim());
  }
  return params;
}
