/**
 * Stands in for kernels/load-wgsl.ts in the page bundle (bundle.ts swaps it in): the page has no
 * file system, so the bundler embeds every kernel's WGSL file, keyed by file name (names are
 * unique across kernels/; the bundler checks), in the virtual module this imports.
 */
// @ts-expect-error: a virtual module the bundler provides
import { WGSL_FILES } from 'tilerun:wgsl-files';

const files = WGSL_FILES as Record<string, string>;

export function loadWgsl(_moduleUrl: string, fileName: string): string {
  const name = fileName.slice(fileName.lastIndexOf('/') + 1);
  const source = files[name];
  if (source === undefined) throw new Error(`WGSL file ${fileName} is not in the page bundle`);
  return source;
}
