// Copies the kernels' WGSL sources and the WebAssembly module next to their compiled modules in
// dist/, where they load from.
import { cpSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const entry of readdirSync(join(root, 'kernels'), { recursive: true, withFileTypes: true })) {
  if (entry.isFile() && (entry.name.endsWith('.wgsl') || entry.name.endsWith('.wasm'))) {
    const relative = join(entry.parentPath ?? entry.path, entry.name).slice(root.length + 1);
    cpSync(join(root, relative), join(root, 'dist', relative));
  }
}
