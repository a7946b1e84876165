import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinKernels } from '../../kernels/index.js';
import { loadKernelModule } from '../../kernels/load-module.js';
import type { AnyKernel } from '../../kernels/types.js';
import { UsageError } from '../errors.js';
import { MalformedJob, type KernelName } from './job-schema.js';

let packageVersion: string | null = null;

/** tilerun's own version (package.json above this file, in src/ or dist/). */
export function tilerunVersion(): string {
  if (packageVersion !== null) return packageVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const json = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (json.name === 'tilerun' && json.version !== undefined) return (packageVersion = json.version);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('tilerun: cannot find its package.json');
    dir = parent;
  }
}

function moduleVersion(file: string): string {
  return 'sha256-' + createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
}

/**
 * How a job names a kernel: built-ins by name and tilerun's version, modules by name and a hash
 * of their file, so a worker with another version of the code refuses the batch instead of
 * computing something else.
 */
export function kernelNameOf(kernel: AnyKernel): KernelName {
  const file = (kernel as { moduleFile?: string }).moduleFile;
  if (file !== undefined) return { name: kernel.name, version: moduleVersion(file) };
  if (!builtinKernels().includes(kernel)) throw new UsageError(`kernel ${kernel.name} is neither a built-in nor a module file: it cannot run on remote workers`);
  return { name: kernel.name, version: tilerunVersion() };
}

/** The kernels a worker runs: the built-ins and the modules installed on it (--kernel-module). */
export class KernelShelf {
  private readonly modules = new Map<string, { kernel: AnyKernel; version: string }>();

  static async load(moduleFiles: readonly string[]): Promise<KernelShelf> {
    const shelf = new KernelShelf();
    for (const file of moduleFiles) {
      const kernel = await loadKernelModule(file);
      if (builtinKernels().some((builtin) => builtin.name === kernel.name)) {
        throw new UsageError(`--kernel-module ${file}: its name '${kernel.name}' is a built-in kernel's; rename it`);
      }
      shelf.modules.set(kernel.name, { kernel, version: kernelNameOf(kernel).version });
    }
    return shelf;
  }

  names(): KernelName[] {
    return [...builtinKernels().map((kernel) => ({ name: kernel.name, version: tilerunVersion() })), ...[...this.modules].map(([name, m]) => ({ name, version: m.version }))];
  }

  /** The kernel a job names, or MalformedJob naming what this worker has. */
  get(wanted: KernelName): AnyKernel {
    const builtin = builtinKernels().find((kernel) => kernel.name === wanted.name);
    const entry = builtin ? { kernel: builtin, version: tilerunVersion() } : this.modules.get(wanted.name);
    if (entry === undefined) {
      throw new MalformedJob(`job names kernel '${wanted.name}', which this worker does not have (it has ${this.names().map((k) => k.name).join(', ')}; install a module with --kernel-module)`);
    }
    if (entry.version !== wanted.version) {
      throw new MalformedJob(`job wants kernel ${wanted.name} version ${wanted.version}; this worker has ${entry.version}`);
    }
    return entry.kernel;
  }
}
