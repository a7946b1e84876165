// Builds the WebAssembly SIMD kernels (kernels/wasm/c/*.c) into kernels/wasm/tilerun-kernels.wasm
// (its own memory: rows are copied in) and kernels/wasm/tilerun-kernels-shared.wasm (the same code
// over an imported shared memory, where Node's arrays of 4 MiB and more live: read in place),
// with clang --target=wasm32 and lld (Debian packages `clang lld`, installed by
// scripts/install-wasm-toolchain.sh). copy-assets.js then puts the module beside the compiled
// loader in dist/. Without clang the CPU pool runs the plain TypeScript kernels: allowed on a
// developer's machine (with a warning), an error under CI=true or TILERUN_REQUIRE_WASM=1.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'kernels', 'wasm', 'c');
const target = join(root, 'kernels', 'wasm', 'tilerun-kernels.wasm');
const sharedTarget = join(root, 'kernels', 'wasm', 'tilerun-kernels-shared.wasm');
const required = process.env.CI === 'true' || process.env.TILERUN_REQUIRE_WASM === '1';

function findClang() {
  for (const name of ['clang', 'clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang-15', 'clang-14']) {
    try {
      execFileSync(name, ['--version'], { stdio: 'ignore' });
      return name;
    } catch {
      // try the next name
    }
  }
  return null;
}

const sources = readdirSync(sourceDir).filter((name) => name.endsWith('.c')).map((name) => join(sourceDir, name));
const headers = readdirSync(sourceDir).filter((name) => name.endsWith('.h')).map((name) => join(sourceDir, name));
const clang = findClang();
if (clang === null) {
  // Never leave a module that no longer matches its sources.
  for (const file of [target, sharedTarget]) {
    rmSync(file, { force: true });
    rmSync(join(root, 'dist', 'kernels', 'wasm', file.slice(join(root, 'kernels', 'wasm').length + 1)), { force: true });
  }
  const message = 'build-wasm: clang not found (apt-get install clang lld, or bash scripts/install-wasm-toolchain.sh)';
  if (required) {
    console.error(`${message}; CI=true / TILERUN_REQUIRE_WASM=1 require the WebAssembly kernels`);
    process.exit(1);
  }
  console.warn(`${message}: the CPU pool will run the plain TypeScript kernels`);
  process.exit(0);
}

const newest = Math.max(...[...sources, ...headers, fileURLToPath(import.meta.url)].map((file) => statSync(file).mtimeMs));
if ([target, sharedTarget].every((file) => existsSync(file) && statSync(file).mtimeMs >= newest)) process.exit(0);

// simd128: the kernels' v128 code; bulk-memory: memcpy/memset become memory.copy/fill (no libc);
// nontrapping-fptoint: float-to-int casts without range checks. All are in Node 20 and every
// current browser.
const common = ['--target=wasm32', '-msimd128', '-mbulk-memory', '-mnontrapping-fptoint', '-O3', '-nostdlib', '-Wall', '-Wextra', '-Werror', '-Wl,--no-entry', '-Wl,--export=__heap_base', '-Wl,--strip-all'];
execFileSync(clang, [...common, '-o', target, ...sources], { stdio: 'inherit' });
console.log(`build-wasm: ${target.slice(root.length + 1)} (${statSync(target).size} bytes, ${clang})`);
// The shared variant imports its memory (an array's, kernels/wasm/in-place.ts), which several
// threads use at once: atomics for a shared memory, and the stack pointer exported (so mutable
// globals), so each thread's instance gets a stack of its own in its own scratch region.
execFileSync(
  clang,
  [
    ...common,
    '-matomics',
    '-mmutable-globals',
    '-Wl,--import-memory',
    '-Wl,--shared-memory',
    '-Wl,--max-memory=4294967296',
    '-Wl,--export=__stack_pointer',
    '-o',
    sharedTarget,
    ...sources,
  ],
  { stdio: 'inherit' },
);
console.log(`build-wasm: ${sharedTarget.slice(root.length + 1)} (${statSync(sharedTarget).size} bytes, ${clang})`);
