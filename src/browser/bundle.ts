import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

/** The page's scripts, built from the same sources (or compiled modules) Node runs. */
export interface PageBundle {
  readonly page: string;
  readonly worker: string;
}

let pending: Promise<PageBundle> | null = null;

/** Under vitest the sources are TypeScript; a build runs the compiled .js modules beside this one. */
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

function here(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

/** The kernels folder next to this module's tree (src/browser -> kernels, dist/src/browser -> dist/kernels). */
function kernelsDir(): string {
  return here('../../kernels/');
}

function wgslFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const root = kernelsDir();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.wgsl')) continue;
    if (entry.name in files) throw new Error(`two kernels' WGSL files are named ${entry.name}: the page bundle keys them by name`);
    files[entry.name] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  }
  return files;
}

/**
 * Swaps the two Node-only modules the kernels and devices reach for: Dawn's binding (a page has
 * navigator.gpu) and the WGSL file reader (the page gets the files embedded).
 */
function browserSwaps(): Plugin {
  return {
    name: 'tilerun-browser-swaps',
    setup(build) {
      build.onResolve({ filter: /^webgpu$/ }, () => ({ path: here(`./page/dawn-stub${EXTENSION}`) }));
      build.onResolve({ filter: /load-wgsl\.js$/ }, (args) => {
        const target = join(args.resolveDir, args.path);
        return basename(dirname(target)) === 'kernels' ? { path: here(`./page/wgsl-files${EXTENSION}`) } : undefined;
      });
      build.onResolve({ filter: /^tilerun:wgsl-files$/ }, () => ({ path: 'wgsl-files', namespace: 'tilerun' }));
      build.onLoad({ filter: /.*/, namespace: 'tilerun' }, () => ({ contents: `export const WGSL_FILES = ${JSON.stringify(wgslFiles())};`, loader: 'js' }));
    },
  };
}

async function build(): Promise<PageBundle> {
  const esbuild = await import('esbuild');
  const entry = (name: string) => here(`./page/${name}${EXTENSION}`);
  const result = await esbuild.build({
    entryPoints: { page: entry('page-main'), worker: entry('worker-main') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    outdir: '/',
    logLevel: 'silent',
    plugins: [browserSwaps()],
    // gpu.js's browser build probes for Node modules it never needs in a page.
    external: ['gl', 'fs', 'path'],
  });
  const text = (name: string) => {
    const file = result.outputFiles.find((output) => output.path === `/${name}.js`);
    if (!file) throw new Error(`esbuild produced no ${name}.js`);
    return file.text;
  };
  return { page: text('page'), worker: text('worker') };
}

/** Bundled once per process, on first use (about a second), and kept in memory. */
export function pageBundle(): Promise<PageBundle> {
  pending ??= build().catch((error: unknown) => {
    pending = null;
    throw error;
  });
  return pending;
}

/** The kernels' WebAssembly module, where it was built (the page's workers fall back to TypeScript without it). */
export function wasmModuleBytes(): Uint8Array | null {
  const path = join(kernelsDir(), 'wasm', 'tilerun-kernels.wasm');
  return existsSync(path) ? readFileSync(path) : null;
}
