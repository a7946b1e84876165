import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../src/errors.js';
import { builtinKernels, getKernel } from './index.js';
import type { ParamSpec } from './params.js';
import type { ArrayView } from '../src/array/array-view.js';
import { runGpuJsMap, type GpuJsMapSpec } from './map-support/map-gpujs.js';
import { mapShaderSource, mapUniforms } from './map-support/map-webgpu.js';
import type { AnyKernel, AnyMapKernel } from './types.js';

/** Where a worker finds a kernel: a built-in by name, or a user's module by absolute path. */
export type KernelRef = { readonly name: string } | { readonly moduleFile: string };

export const KERNEL_MODULE_EXTENSIONS = ['.js', '.mjs', '.ts', '.mts'];

const loaded = new Map<string, Promise<AnyKernel>>();

/** A user kernel remembers the file it came from, so workers can load it too and errors name it. */
export type UserKernel = AnyKernel & { readonly moduleFile: string };

/** How a worker thread finds this kernel again, or null for a kernel object it cannot find. */
export function kernelRef(kernel: AnyKernel): KernelRef | null {
  const file = (kernel as Partial<UserKernel>).moduleFile;
  if (file !== undefined) return { moduleFile: file };
  // By identity: an object that merely shares a built-in's name must not run as the built-in.
  return builtinKernels().includes(kernel) ? { name: kernel.name } : null;
}

export function resolveKernelRef(ref: KernelRef): Promise<AnyKernel> {
  return 'name' in ref ? Promise.resolve(getKernel(ref.name)) : loadKernelModule(ref.moduleFile);
}

/** True when a `run` argument names a file rather than a built-in kernel. */
export function looksLikeModulePath(text: string): boolean {
  return text.includes('/') || text.includes('\\') || KERNEL_MODULE_EXTENSIONS.includes(extname(text));
}

/**
 * Imports a kernel module (.js/.mjs natively, .ts/.mts through tsx) and checks its shape. The
 * module's default export (or an export named `kernel`) is an object of the same shape as the
 * built-in kernels; what it leaves out gets the documented defaults. Anything malformed is a
 * UsageError that names the file and the part.
 */
export function loadKernelModule(file: string): Promise<AnyKernel> {
  const path = resolve(file);
  let pending = loaded.get(path);
  if (!pending) {
    pending = importKernel(path);
    loaded.set(path, pending);
    pending.catch(() => loaded.delete(path));
  }
  return pending;
}

async function importKernel(path: string): Promise<AnyKernel> {
  const extension = extname(path);
  if (!KERNEL_MODULE_EXTENSIONS.includes(extension)) {
    throw new UsageError(`kernel module ${path}: expected a ${KERNEL_MODULE_EXTENSIONS.join(', ')} file`);
  }
  if (!existsSync(path)) throw new UsageError(`kernel module ${path} does not exist`);
  let module: Record<string, unknown>;
  try {
    if (extension === '.ts' || extension === '.mts') {
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
    } else {
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new UsageError(`kernel module ${path} failed to load: ${error instanceof Error ? error.message : String(error)}`);
  }
  let exported = (module.default ?? module.kernel) as unknown;
  // A .ts file outside an ESM package loads as CommonJS: its default export arrives one level down.
  if (typeof exported === 'object' && exported !== null && !('name' in exported) && 'default' in exported) {
    exported = (exported as { default: unknown }).default;
  }
  return checkKernelShape(exported, path);
}

const NAME_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

function fail(path: string, what: string): never {
  throw new UsageError(`kernel module ${path}: ${what}`);
}

function isFunction(value: unknown): value is (...args: unknown[]) => unknown {
  return typeof value === 'function';
}

/** Checks an imported kernel object and fills in the defaults. */
export function checkKernelShape(value: unknown, path: string): UserKernel {
  if (typeof value !== 'object' || value === null) {
    fail(path, 'must export a kernel object as its default export (or as `kernel`)');
  }
  const k = value as Record<string, unknown>;
  if (typeof k.name !== 'string' || !NAME_PATTERN.test(k.name)) {
    fail(path, `name must be lower-case letters, digits and dashes starting with a letter, got ${JSON.stringify(k.name)}`);
  }
  if (k.kind !== 'reduction' && k.kind !== 'map') fail(path, `kind must be 'reduction' or 'map', got ${JSON.stringify(k.kind)}`);
  if (!isFunction(k.cpu)) fail(path, 'cpu(view, tiles, params[, out]) is required: it is the reference every backend is checked against');
  const params = k.params ?? [];
  if (!Array.isArray(params) || params.some((spec) => typeof spec !== 'object' || spec === null || typeof (spec as ParamSpec).name !== 'string')) {
    fail(path, 'params must be an array of { name, type, description, ... } specs');
  }
  (params as ParamSpec[]).forEach((spec) => checkParamSpec(spec, path));
  const halo = k.halo ?? 0;
  if (!isFunction(halo) && !(Number.isSafeInteger(halo) && (halo as number) >= 0 && (halo as number) <= 64)) {
    fail(path, `halo must be an integer from 0 to 64 or a function (view, params) => number, got ${JSON.stringify(halo)}`);
  }
  if (k.kind === 'reduction' && !isFunction(k.merge)) fail(path, 'a reduction needs merge(a, b)');
  if (k.mergeAll !== undefined && (k.kind !== 'reduction' || !isFunction(k.mergeAll))) fail(path, 'mergeAll, where given, must be a function (partials) => partial, and only a reduction merges');
  if (k.kind === 'map' && k.output !== undefined && !isFunction(k.output)) fail(path, 'output must be a function (view, params) => shape');
  if (k.wgsl !== undefined && (k.kind !== 'map' || typeof k.wgsl !== 'string')) {
    fail(path, 'wgsl (a WGSL compute function as a string) is for map kernels; reductions give webgpu parts');
  }
  if (k.gpujsFunction !== undefined && (k.kind !== 'map' || !isFunction(k.gpujsFunction))) {
    fail(path, 'gpujsFunction (a gpu.js kernel function) is for map kernels; reductions give gpujs.run');
  }
  if (k.extra !== undefined && !isFunction(k.extra)) fail(path, 'extra must be a function (view, params) => number[]');
  if (k.webgpu !== undefined) {
    const w = k.webgpu as Record<string, unknown>;
    const needed = k.kind === 'map' ? ['shaderSource', 'uniforms'] : ['shaderSource', 'uniforms', 'recordWords', 'decode'];
    for (const part of needed) if (!isFunction(w[part])) fail(path, `webgpu.${part} must be a function`);
  }
  if (k.gpujs !== undefined && !isFunction((k.gpujs as Record<string, unknown>).run)) fail(path, 'gpujs.run must be a function');
  for (const part of ['validateParams', 'prepare', 'boundary', 'partialBytes']) {
    if (k[part] !== undefined && !isFunction(k[part])) fail(path, `${part} must be a function`);
  }

  const name = k.name as string;
  const webgpu = k.webgpu as Record<string, unknown> | undefined;
  const haloOf = isFunction(halo) ? (halo as AnyKernel['halo']) : () => halo as number;
  const simple = k.kind === 'map' ? simpleMapParts(k, path, haloOf) : {};
  return {
    ...(k as object),
    name,
    description: typeof k.description === 'string' ? k.description : `user kernel ${name}`,
    params: params as ParamSpec[],
    tolerance: typeof k.tolerance === 'string' ? k.tolerance : 'as stated by the kernel module',
    halo: haloOf,
    validateParams: isFunction(k.validateParams) ? k.validateParams : () => undefined,
    ...(k.kind === 'reduction' && !isFunction(k.partialBytes) ? { partialBytes: () => 1024 } : {}),
    ...(k.kind === 'map' && k.output === undefined
      ? { output: (view: { dtype: string; height: number; width: number; channels: number }) => ({ dtype: view.dtype, height: view.height, width: view.width, channels: view.channels, factor: 1 }) }
      : {}),
    // Pipelines are cached by this key: without the module's own, it covers all the source may depend on.
    ...(webgpu && !isFunction(webgpu.shaderKey)
      ? { webgpu: { ...webgpu, shaderKey: (view: ArrayView, p: unknown) => `${path}:${name}:${view.dtype}:${view.channels}:${JSON.stringify(p)}` } }
      : {}),
    ...simple,
    moduleFile: path,
  } as unknown as UserKernel;
}

/**
 * The short form of a map kernel's GPU parts: `wgsl`, the WGSL `compute` function the shared map
 * prelude calls (see kernels/map-support/map-prelude.wgsl), and `gpujsFunction`, a gpu.js kernel
 * function (see kernels/map-support/map-gpujs.ts); `extra(view, params)` gives both their numbers.
 */
function simpleMapParts(k: Record<string, unknown>, path: string, halo: AnyKernel['halo']): Partial<AnyMapKernel> {
  const extra = k.extra as ((view: ArrayView, params: unknown) => number[]) | undefined;
  const boundary = k.boundary as AnyMapKernel['boundary'];
  const parts: { -readonly [K in 'webgpu' | 'gpujs']?: NonNullable<AnyMapKernel[K]> } = {};
  if (typeof k.wgsl === 'string') {
    const wgsl = k.wgsl;
    parts.webgpu = {
      packedOutput: true,
      shaderKey: (view) => `${path}:${view.dtype}:${view.channels}`,
      shaderSource: (view, _params, workgroupSize) => mapShaderSource(view, workgroupSize, wgsl),
      uniforms: (view, params, band) => mapUniforms(view, band, halo(view, params), extra?.(view, params) ?? []),
    };
  }
  if (isFunction(k.gpujsFunction)) {
    const fn = k.gpujsFunction as GpuJsMapSpec['fn'];
    const output = k.output as AnyMapKernel['output'] | undefined;
    parts.gpujs = {
      run(context, view, tiles, params, out) {
        runGpuJsMap(context, view, tiles, out, {
          key: `${path}:${view.dtype}`,
          fn,
          halo: halo(view, params),
          ...(boundary ? { boundary: boundary(params) } : {}),
          shape: output ? output(view, params) : { dtype: view.dtype, height: view.height, width: view.width, channels: view.channels, factor: 1 },
          extra: extra?.(view, params) ?? [],
        });
      },
    };
  }
  return parts;
}

const SPEC_TYPES = ['integer', 'number', 'choice', 'boolean', 'matrix', 'range'];

/** A parameter spec must say what `-p` may accept, or values would pass unchecked. */
function checkParamSpec(spec: ParamSpec, path: string): void {
  const where = `params: ${JSON.stringify(spec.name)}`;
  if (!SPEC_TYPES.includes(spec.type)) fail(path, `${where} has type ${JSON.stringify(spec.type)}: accepted are ${SPEC_TYPES.join(', ')}`);
  if (spec.type === 'integer' && !(Number.isSafeInteger(spec.min) && Number.isSafeInteger(spec.max) && spec.min <= spec.max)) {
    fail(path, `${where} is an integer parameter: give integer min and max (min <= max)`);
  }
  if (spec.type === 'choice' && !(Array.isArray(spec.choices) && spec.choices.length > 0 && spec.choices.every((c) => typeof c === 'string'))) {
    fail(path, `${where} is a choice: give choices, a non-empty array of strings`);
  }
}
