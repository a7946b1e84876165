import { readFileSync } from 'node:fs';

const cache = new Map<string, string>();

/**
 * Reads a kernel's WGSL file that sits next to its module (the build copies .wgsl files into
 * dist/ beside the compiled modules).
 */
export function loadWgsl(moduleUrl: string, fileName: string): string {
  const url = new URL(fileName, moduleUrl);
  let source = cache.get(url.href);
  if (source === undefined) {
    source = readFileSync(url, 'utf8');
    cache.set(url.href, source);
  }
  return source;
}
