import { basename, dirname, extname, join, relative, sep } from 'node:path';

/** Names the batch writes at the top of the output directory, which no result may take. */
export const SUMMARY_JSON = 'summary.json';
export const SUMMARY_CSV = 'summary.csv';
export const MANIFEST = '.tilerun-manifest.json';
export const RESERVED_NAMES: readonly string[] = [SUMMARY_JSON, SUMMARY_CSV, MANIFEST];

/** The deepest directory holding every path. */
export function commonDirectory(paths: readonly string[]): string {
  if (paths.length === 0) return sep;
  let parts = dirname(paths[0]!).split(sep);
  for (const path of paths.slice(1)) {
    const other = dirname(path).split(sep);
    let i = 0;
    while (i < parts.length && i < other.length && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(sep) || sep;
}

/**
 * One output name per input, relative to the output directory, never two alike (compared without
 * case: the output directory may be on a case-insensitive file system):
 * - the input's directory below the directory all inputs share is kept, so `a/scan.png` and
 *   `b/scan.png` give `a/scan.json` and `b/scan.json`;
 * - the input's extension is replaced by the output's: `scan.png` gives `scan.npy`;
 * - where that name is taken (`scan.png` and `scan.tif` side by side, or a summary's name) the
 *   input's whole name is kept: `scan.tif.npy`; where even that is taken, `scan~2.npy`, `scan~3.npy`.
 * `fixed` holds names already given (a resumed batch keeps its recorded names); inputs are named
 * in the order given, so the same command names the same way.
 */
export function outputNames(absolutePaths: readonly string[], suffix: string, fixed: ReadonlyMap<string, string> = new Map()): Map<string, string> {
  const base = commonDirectory(absolutePaths);
  const names = new Map<string, string>();
  const taken = new Set<string>(RESERVED_NAMES.map((name) => name.toLowerCase()));
  for (const path of absolutePaths) {
    const name = fixed.get(path);
    if (name !== undefined) {
      names.set(path, name);
      taken.add(name.toLowerCase());
    }
  }
  for (const path of absolutePaths) {
    if (names.has(path)) continue;
    const dir = relative(base, dirname(path));
    const file = basename(path);
    const stem = file.slice(0, file.length - extname(file).length) || file;
    const candidates = [stem + suffix, file + suffix];
    let chosen = candidates.map((name) => join(dir, name)).find((name) => !taken.has(name.toLowerCase()));
    for (let n = 2; chosen === undefined; n++) {
      const name = join(dir, `${stem}~${n}${suffix}`);
      if (!taken.has(name.toLowerCase())) chosen = name;
    }
    names.set(path, chosen);
    taken.add(chosen.toLowerCase());
  }
  return names;
}
